"""The radar console in headless Chromium: the form shows the fields of the chosen type, uploads a PDF and
a cover, and the list orders and deletes without a page load."""

from __future__ import annotations

from bot.radar import files as radar_files
from bot.radar import groups as radar_groups
from bot.radar.models import Radar
from tests.e2e.conftest import shot
from tests.radar.test_files import PDF, PNG


async def test_an_admin_creates_a_pdf_radar_and_deletes_a_link_radar(company, browser, tmp_path):
    await radar_groups.create_group("公司介绍")
    await radar_groups.create_group("产品介绍")
    pdf, cover = tmp_path / "手册.pdf", tmp_path / "封面.png"
    pdf.write_bytes(PDF)
    cover.write_bytes(PNG)
    server = str(company.client.make_url("")).rstrip("/")
    page = await browser.new_page()
    await page.goto(f"{server}/console/radar/groups")
    await page.get_by_text("运营王").click()
    await page.wait_for_url(f"{server}/console/radar/groups")
    await page.get_by_role("navigation").get_by_role("link", name="智能雷达").click()
    await page.get_by_role("link", name="新建雷达").click()

    # A link radar first: only the link field shows.
    await page.get_by_label("雷达名称").fill("官网")
    await page.get_by_label("选择分组").select_option(label="产品介绍")
    assert await page.get_by_label("链接地址").is_visible()
    assert not await page.get_by_label("上传PDF").is_visible()
    await page.get_by_label("链接地址").fill("https://example.com/")
    await page.get_by_label("雷达标题").fill("欢迎了解我们")
    await page.get_by_role("button", name="保存").click()
    await page.get_by_role("status").get_by_text("已保存雷达“官网”").wait_for()

    # Then a PDF with a cover and an auto-tag.
    await page.get_by_role("link", name="新建雷达").click()
    await page.get_by_label("雷达名称").fill("产品手册")
    await page.get_by_label("选择分组").select_option(label="产品介绍")
    await page.get_by_label("PDF", exact=True).check()
    assert not await page.get_by_label("链接地址").is_visible()
    await page.get_by_label("上传PDF").set_input_files(str(pdf))
    await page.get_by_label("雷达标题").fill("2024 产品手册")
    await page.get_by_label("雷达描述").fill("新品一览")
    await page.locator("#cover").set_input_files(str(cover))
    await page.get_by_label("A类").check()
    await page.get_by_label("仅好友查看").check()
    await page.get_by_role("button", name="保存").click()
    await page.get_by_role("status").get_by_text("已保存雷达“产品手册”").wait_for()
    manual = await Radar.get(name="产品手册")
    assert manual.auto_tag_ids == [company.tags["A"]] and manual.friends_only
    assert radar_files.kind_of(manual.file) == "pdf"
    loaded = "i => i.complete ? i.naturalWidth : new Promise(ok => i.onload = () => ok(i.naturalWidth))"
    assert await page.get_by_alt_text("封面").evaluate(loaded) == 8  # the cover is served and shows

    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url) if r.resource_type == "document" else None)
    row = page.locator("tr", has=page.get_by_text("产品手册", exact=True))
    await row.get_by_role("button", name="置顶").click()
    await (
        page.locator("tr", has=page.get_by_text("产品手册", exact=True))
        .get_by_role("button", name="下移")
        .wait_for()
    )
    page.on("dialog", lambda dialog: dialog.accept())
    site = page.locator("tr", has=page.get_by_text("官网", exact=True))
    await site.get_by_role("button", name="删除").click()
    await page.get_by_role("status").get_by_text("已删除雷达“官网”").wait_for()
    assert requests == []
    assert (await Radar.get(name="官网")).deleted_at is not None
    await shot(page, "console-radars")
