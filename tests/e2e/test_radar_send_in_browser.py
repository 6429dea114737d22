"""Sending a radar from the sidebar in headless Chromium: the tap is recorded and the WeCom client (the
JS-SDK stand-in) sends the news card into the open chat."""

from __future__ import annotations

from datetime import UTC, datetime

from yarl import URL

from bot.appkeys import SETTINGS
from bot.radar import groups as radar_groups
from bot.radar.links import LinkSigner
from bot.radar.models import Radar, RadarSend
from tests.e2e.conftest import shot


async def make_radar(group, title: str, **kw) -> Radar:
    now = datetime.now(UTC)
    return await Radar.create(
        group=group, name=title, type=Radar.PDF, title=title, created_at=now, updated_at=now, **kw
    )


async def test_a_tap_on_a_radar_sends_its_card_into_the_chat(company, browser):
    server = str(company.client.make_url("")).rstrip("/")
    settings = company.client.app[SETTINGS]
    ext = company.ids["c1"]
    intro = await radar_groups.create_group("公司介绍")
    brochure = await make_radar(intro, "产品手册", description="2024 版，共 12 页", cover="c0ver.png")
    doomed = await make_radar(intro, "旧版价目表")

    page = await browser.new_page(viewport={"width": 375, "height": 740})
    await page.goto(f"{server}/sidebar/try")
    await page.get_by_text("张三").first.click()  # WeCom's login (the emulator's stand-in) as s1
    await page.get_by_role("link", name="王小明").click()
    await page.wait_for_url(f"{server}/sidebar/customers/{ext}")
    radars = page.locator("#radars")
    await radars.get_by_text("公司介绍").wait_for()
    await shot(page, "sidebar-radars")

    await radars.get_by_role("button", name="产品手册").click()
    await page.get_by_role("status").get_by_text("已发送").wait_for()
    await shot(page, "sidebar-radar-sent")
    [message] = company.emulator.state.chat_messages
    assert (message["userid"], message["external_userid"], message["msgtype"]) == ("s1", ext, "news")
    news = message["news"]
    assert (news["title"], news["desc"]) == ("产品手册", "2024 版，共 12 页")
    assert news["imgUrl"] == f"{settings.public_url}/media/radar/c0ver.png"
    link = LinkSigner.from_settings(settings).verify(URL(news["link"]).path.removeprefix("/r/"))
    assert (link.radar_id, link.userid, link.recipient) == (brochure.id, "s1", ext)
    assert await RadarSend.filter(radar_id=brochure.id, userid="s1", external_userid=ext).count() == 1

    # A radar deleted in the console while the sidebar was open: the tap says so and nothing is sent.
    doomed.deleted_at = datetime.now(UTC)
    await doomed.save()
    await radars.get_by_role("button", name="旧版价目表").click()
    await page.get_by_role("alert").get_by_text("这个雷达已被删除").wait_for()
    await shot(page, "sidebar-radar-refused")
    assert len(company.emulator.state.chat_messages) == 1
    assert not await RadarSend.exists(radar_id=doomed.id)
    assert await page.evaluate("document.documentElement.scrollWidth") <= 375


async def test_a_radar_sent_from_the_group_card_goes_into_the_group(company, browser):
    server = str(company.client.make_url("")).rstrip("/")
    group = await radar_groups.create_group("活动邀请")
    await make_radar(group, "五月展会邀请函")
    page = await browser.new_page(viewport={"width": 320, "height": 640})
    await page.goto(f"{server}/sidebar/try")
    await page.get_by_text("张三").first.click()
    await page.get_by_role("link", name="展会客户群").click()
    await page.get_by_role("button", name="五月展会邀请函").click()
    await page.get_by_role("status").get_by_text("已发送").wait_for()
    [message] = company.emulator.state.chat_messages
    assert (message["chat_id"], message["news"]["title"]) == (company.chat_id, "五月展会邀请函")
    assert message["enterChat"] is True
