"""A PDF radar in headless Chromium: a customer reads it to the end, shares it, a friend opens the link."""

from __future__ import annotations

import asyncio

from bot.radar.models import RadarVisit, RadarVisitor
from tests.e2e.conftest import shot
from tests.radar.pages import make_radar, staff_link


async def eventually(check, timeout: float = 10.0):
    for _ in range(int(timeout / 0.1)):
        if value := await check():
            return value
        await asyncio.sleep(0.1)
    raise AssertionError("the condition never held")


async def test_a_customer_reads_a_pdf_to_the_end_and_shares_it_with_a_friend(company, browser):
    app = company.client.app
    server = str(company.client.make_url("")).rstrip("/")
    radar = await make_radar(app)
    first = await browser.new_context(viewport={"width": 375, "height": 640})
    page = await first.new_page()
    await page.goto(f"{server}/r/{staff_link(app, radar, 's1')}")
    await page.get_by_role("link", name="王小明").click()  # the emulator asks who is opening the link
    await page.get_by_role("heading", name="星河产品手册").wait_for()
    assert "code=" not in page.url  # the OAuth code is gone from the address
    await page.locator("#pdf canvas").first.wait_for()
    assert await page.locator("#pdf .radar-page").count() == 5
    await shot(page, "radar-pdf-top")

    visit = await RadarVisit.get(radar_id=radar.id)
    assert visit.progress < 80  # the first page only
    for _ in range(12):  # read on, a screen at a time, to the last page
        await page.mouse.wheel(0, 600)
        await asyncio.sleep(0.15)
    await page.locator('#pdf .radar-page[data-page="5"] canvas').wait_for()
    await shot(page, "radar-pdf-end")
    assert await eventually(lambda: _progress_at_least(visit.id, 80))

    await page.get_by_role("button", name="复制链接分享给朋友").click()
    await page.get_by_text("链接已复制").wait_for()
    link = await page.locator("#shared-link").input_value()
    await shot(page, "radar-shared")
    assert await eventually(lambda: _shares(visit.id))
    await first.close()

    second = await browser.new_context(viewport={"width": 375, "height": 640})
    friend = await second.new_page()
    await friend.goto(link)
    await friend.get_by_role("link", name="孙悟空").click()
    await friend.get_by_role("heading", name="星河产品手册").wait_for()
    child = await RadarVisit.filter(radar_id=radar.id, external_userid=company.ids["c4"]).get()
    assert (child.level, child.channel, child.parent_id, child.path) == (
        2,
        "share",
        visit.id,
        [visit.id, child.id],
    )
    assert await RadarVisitor.filter(external_userid=company.ids["c4"]).count() == 1
    await second.close()


async def _progress_at_least(visit_id: int, percent: int) -> bool:
    return (await RadarVisit.get(id=visit_id)).progress >= percent


async def _shares(visit_id: int) -> bool:
    return (await RadarVisit.get(id=visit_id)).shares > 0
