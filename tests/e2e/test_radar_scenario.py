"""The smart radar from end to end in headless Chromium, as issue 5 tells it.

张三 (s1) sends a PDF radar to 王小明 from the chat toolbar. 王小明 opens it, reads to page 4 of 5 (80 %) and
shares it; 孙悟空 opens 王小明's link and reads the first page. Then the radar alert job runs once: the
auto-tag is on both customers in WeCom, and 张三 gets one app message naming both. 王小明's timeline shows the
radar's events, and the analytics page shows exactly the numbers of this story.
"""

from __future__ import annotations

import re

import pytest
from yarl import URL

from bot.appkeys import SETTINGS
from bot.radar import files as radar_files
from bot.radar import groups as radar_groups
from bot.radar import radars
from bot.radar.jobs import send_radar_alerts
from bot.radar.models import RadarSend, RadarVisit
from bot.scheduler import SCHEDULER
from tests.e2e.conftest import shot
from tests.e2e.test_radar_in_browser import eventually
from tests.radar.pages import tiny_pdf


@pytest.fixture
def make_settings(make_settings):
    """The scheduler's alert job waits an hour, so the scenario decides when it runs (once, at the end)."""

    def make(**sections):
        return make_settings(**sections, radar={"alert_interval": 3600})

    return make


async def a_pdf_radar(settings, auto_tag: str):
    async def chunks():
        yield tiny_pdf(5)

    group = await radar_groups.create_group("产品资料")
    stored = await radar_files.store(settings.data_dir, chunks(), radar_files.PDF, 10**6, "file")
    return await radars.create_radar(
        radars.RadarForm(
            name="产品手册",
            group_id=group.id,
            type="pdf",
            title="星河产品手册",
            description="五页看懂全屋智能",
            file=stored,
            auto_tag_ids=[auto_tag],
        )
    )


async def test_a_radar_sent_read_shared_and_counted(company, browser):
    app = company.client.app
    settings = app[SETTINGS]
    server = str(company.client.make_url("")).rstrip("/")
    c1, c4, tag_b = company.ids["c1"], company.ids["c4"], company.tags["B"]
    radar = await a_pdf_radar(settings, tag_b)

    # 张三 sends it from the sidebar in the chat with 王小明.
    staff = await browser.new_page(viewport={"width": 375, "height": 740})
    await staff.goto(f"{server}/sidebar/try")
    await staff.get_by_text("张三").first.click()
    await staff.get_by_role("link", name="王小明").click()
    await staff.locator("#radars").get_by_role("button", name="产品手册").click()
    await staff.get_by_role("status").get_by_text("已发送").wait_for()
    [message] = company.emulator.state.chat_messages
    sent_link = message["news"]["link"]
    assert message["news"]["title"] == "星河产品手册" and message["external_userid"] == c1
    await staff.close()

    # 王小明 opens it in WeChat's place (the emulator asks who is opening), reads to page 4, shares.
    first = await browser.new_context(viewport={"width": 375, "height": 640})
    reader = await first.new_page()
    await reader.goto(str(company.client.make_url(URL(sent_link).path)))
    await reader.get_by_role("link", name="王小明").click()
    await reader.locator("#pdf canvas").first.wait_for()
    await reader.locator('#pdf .radar-page[data-page="4"]').scroll_into_view_if_needed()
    a_visit = await RadarVisit.get(radar_id=radar.id, external_userid=c1)
    assert await eventually(lambda: _progress(a_visit.id, 80))
    await reader.get_by_role("button", name="复制链接分享给朋友").click()
    await reader.get_by_text("链接已复制").wait_for()
    shared_link = await reader.locator("#shared-link").input_value()
    await shot(reader, "radar-scenario-shared")
    await first.close()

    # 孙悟空 opens 王小明's link and sees the first page.
    second = await browser.new_context(viewport={"width": 375, "height": 640})
    friend = await second.new_page()
    await friend.goto(str(company.client.make_url(URL(shared_link).path)))
    await friend.get_by_role("link", name="孙悟空").click()
    await friend.locator("#pdf canvas").first.wait_for()
    b_visit = await RadarVisit.get(radar_id=radar.id, external_userid=c4)
    assert await eventually(lambda: _progress(b_visit.id, 20))
    await second.close()

    a_visit, b_visit = await RadarVisit.get(id=a_visit.id), await RadarVisit.get(id=b_visit.id)
    assert (a_visit.level, a_visit.channel, a_visit.userid, a_visit.progress) == (1, "staff", "s1", 80)
    assert (b_visit.level, b_visit.channel, b_visit.userid) == (2, "share", "s1")
    assert (b_visit.parent_id, b_visit.path, b_visit.progress) == (a_visit.id, [a_visit.id, b_visit.id], 20)
    assert a_visit.shares == 1 and await RadarSend.filter(radar_id=radar.id, userid="s1").count() == 1

    # The scheduler's alert job: auto-tags through WeCom, and one merged app message to 张三.
    await send_radar_alerts(app[SCHEDULER].ctx)
    follows = company.emulator.state.follows
    assert tag_b in follows[("s1", c1)].tag_ids and tag_b in follows[("s1", c4)].tag_ids
    [alert] = [m for m in company.emulator.state.messages if "s1" in m["recipients"]]
    card = alert["payload"]["textcard"]
    assert "王小明" in card["description"] and "孙悟空" in card["description"]
    assert "星河产品手册" in card["description"] and "进度 80 %" in card["description"]

    # The admin's console: 王小明's timeline, then the radar's analytics.
    console = await browser.new_page(viewport={"width": 1280, "height": 900})
    await console.goto(f"{server}/auth/login?next=/console/customers/{c1}")
    await console.get_by_role("link", name="运营王").click()
    timeline = console.locator("#timeline")
    for label in ("打开了雷达", "读完了雷达 80 %", "分享了雷达"):
        await timeline.get_by_text(label).first.wait_for()
    assert await timeline.get_by_text("B类").count() >= 1  # the auto-tag, mirrored back
    await shot(console, "radar-scenario-timeline")

    await console.goto(f"{server}/console/radar/radars/{radar.id}/analytics")
    figures = {
        key: await console.locator(f'[data-figure="{key}"] b').inner_text()
        for key in ("visitors", "today_visitors", "visits", "today_visits", "shared", "today_shared")
        + ("avg_progress", "share_rate", "avg_time")
    }
    durations = [a_visit.duration, b_visit.duration]
    assert figures == {
        "visitors": "2", "today_visitors": "2", "visits": "2", "today_visits": "2",
        "shared": "1", "today_shared": "1", "avg_progress": "50.0%", "share_rate": "50.0%",
        "avg_time": _spoken(sum(durations) / 2),
    }  # fmt: skip
    assert await _rows(console, "#levels") == [
        ["1级客户", "1", "1", "100.0%"],
        ["2级客户", "1", "0", "0.0%"],
    ]
    funnel = [row[:2] for row in await _rows(console, "#funnel")]
    assert funnel == [
        ["发送次数", "1"],
        ["打开客户数", "2"],
        ["阅读 ≥ 50%", "1"],
        ["读完", "0"],
        ["分享", "1"],
    ]
    assert await console.locator("#funnel-chart canvas").count() == 1  # ECharts drew the funnel
    await shot(console, "radar-scenario-analytics")

    await console.goto(f"{server}/console/radar/radars/{radar.id}/analytics/staff")
    assert await _rows(console, "#staff") == [["张三", "1", "1", "2", "2"]]


async def _progress(visit_id: int, percent: int) -> bool:
    return (await RadarVisit.get(id=visit_id)).progress >= percent


async def _rows(page, table: str) -> list[list[str]]:
    rows = await page.locator(f"{table} tbody tr").all()
    return [[re.sub(r"\s+", " ", c).strip() for c in await r.locator("td").all_inner_texts()] for r in rows]


def _spoken(seconds: float) -> str:
    from bot.radar.analytics.figures import spoken_seconds

    return spoken_seconds(round(seconds))
