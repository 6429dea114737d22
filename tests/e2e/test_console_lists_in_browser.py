"""Console lists in headless Chromium: the radar batch tag swaps its section in place however often it is
sent, a refused filter says why beside the field without leaving the page, and the pager keeps filters."""

from __future__ import annotations

from bot.radar.analytics import figures as radar_stats
from tests.e2e.conftest import shot
from tests.radar.scenario import build, make_radar, people


async def logged_in_page(company, browser, path: str):
    server = str(company.client.make_url("")).rstrip("/")
    page = await browser.new_page()
    await page.goto(server + path)
    await page.get_by_text("运营王").click()  # WeCom's login (the emulator's stand-in)
    await page.wait_for_url(server + path)
    return page


async def test_batch_tagging_again_and_again_keeps_one_console(company, browser):
    ids = await people({k: company.ids[f"c{i}"] for i, k in enumerate("ABCDEF", 1)})
    radar = await make_radar()
    await build(radar, ids, radar_stats.today_bounds("Asia/Shanghai")[0])
    page = await logged_in_page(company, browser, f"/console/radar/radars/{radar.id}/analytics/customers")
    section = page.locator("#radar-customers")
    tag_button = page.get_by_role("button", name="给所选客户打标签")

    async def submit() -> None:
        """Send the form and wait until its answer has replaced the section (the old one is marked first:
        the same message can already be on the page from the last submit)."""
        await section.evaluate("s => s.dataset.old = '1'")
        await tag_button.click()
        await page.locator("#radar-customers:not([data-old])").wait_for()

    # Nothing chosen: refused, twice.
    for _ in range(2):
        await submit()
        await section.get_by_text("请先选择要打标签的客户").wait_for()
    # A tag and a customer: done; then again with another customer.
    for name in ("王小明", "钱多多"):
        await page.get_by_label("标签", exact=True).select_option(label="B类")
        await page.get_by_label(f"选择{name}").check()
        await submit()
        await section.get_by_text("已为 1 位客户打上标签“B类”").wait_for()

    assert await page.locator("header.top").count() == 1
    assert await page.locator("nav.side").count() == 1
    assert await page.locator("#radar-customers").count() == 1
    assert await page.locator("nav.pager").count() == 1
    await shot(page, "console-radar-batch-tag")


async def test_a_reversed_date_range_says_why_beside_the_field_and_the_pager_keeps_filters(company, browser):
    page = await logged_in_page(company, browser, "/console/customers")
    await page.get_by_label("添加时间（起）").fill("2026-03-02")
    await page.get_by_label("添加时间（止）").fill("2026-03-01")
    await page.get_by_role("button", name="查询").click()
    reason = page.locator("#error-added_to")
    await reason.wait_for()
    assert await reason.inner_text() == "不能早于添加时间（起）"
    assert await page.get_by_label("添加时间（止）").get_attribute("aria-invalid") == "true"
    assert await page.locator("header.top").count() == 1 and await page.locator("#filters").count() == 1
    await shot(page, "console-customers-refused")

    # Corrected: the reason goes; with 2 a page, the pager's next page keeps the filter.
    await page.get_by_label("添加时间（起）").fill("")
    await page.get_by_label("添加时间（止）").fill("")
    await page.get_by_label("流失状态").select_option(label="未流失")
    await page.get_by_role("button", name="查询").click()
    await reason.wait_for(state="detached")
    await page.goto(page.url + "&limit=2")
    pager = page.locator("nav.pager")
    assert "共 5 条" in await pager.inner_text()
    await pager.get_by_role("link", name="3").click()
    await page.wait_for_url("**offset=4")
    assert "status=active" in page.url and "第 3/3 页" in await page.locator("nav.pager").inner_text()
    assert await page.locator("#rows tbody tr").count() == 1
