"""Radar analytics: each figure of seed 002 §5 pinned on a scenario counted by hand (radar_scenario.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.models import Radar
from bot.services import radar_network, radar_stats
from bot.services.radar_stats import CustomerFilter
from tests.radar_scenario import build, make_radar, people

TZ = "Asia/Shanghai"
NOW = datetime(2026, 3, 10, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai
DAY_START = datetime(2026, 3, 9, 16, 0, tzinfo=UTC)  # 2026-03-10 00:00 in Shanghai


@pytest.fixture
async def scenario(live_database):
    ids = await people()
    radar = await make_radar()
    visits = await build(radar, ids, DAY_START)
    return radar, ids, visits


def by_name(rows) -> list[str]:
    return [r["name"] for r in rows]


async def test_visitors_visits_and_shares_count_customers_once_and_leave_out_non_friends(scenario):
    radar, _, _ = scenario
    figures = (await radar_stats.analytics(radar, TZ, NOW)).figures
    assert figures["visitors"] == 6  # A-F; the non-friend N is not counted
    assert figures["visits"] == 9  # ten openings, less N's
    assert figures["today_visitors"] == 5  # A, D, C, E, F (B only came yesterday)
    assert figures["today_visits"] == 5
    # C (twice, counted once), D (through the non-friend N) and F; B opening their own link is no share
    assert figures["shared"] == 3
    assert figures["today_shared"] == 2  # D and F: C's first share-visit was yesterday
    assert figures["share_rate"] == 50.0  # 3 / 6


async def test_average_time_and_progress_are_per_customer_total_time_and_furthest_progress(scenario):
    radar, _, _ = scenario
    figures = (await radar_stats.analytics(radar, TZ, NOW)).figures
    # time per customer: A 120, B 35, C 60, D 40, E 0, F 20 -> 275 / 6
    assert figures["avg_time"] == 46
    # furthest progress per customer: A 60, B 20, C 100, D 50, E 0, F 100 -> 330 / 6
    assert figures["avg_progress"] == 55.0


async def test_levels_take_each_customers_lowest_level_and_count_who_brought_someone(scenario):
    radar, _, _ = scenario
    levels = (await radar_stats.analytics(radar, TZ, NOW)).levels
    # level 1: A, B (also at level 2 through their own link), E; only A's share brought a customer (C)
    # level 2: C, whose share brought F; level 3: D and F, who brought nobody
    assert levels == [
        {"level": 1, "people": 3, "sharers": 1, "share_rate": 33.3},
        {"level": 2, "people": 1, "sharers": 1, "share_rate": 100.0},
        {"level": 3, "people": 2, "sharers": 0, "share_rate": 0.0},
    ]


async def test_leaderboards_rank_by_visits_then_time_and_by_total_time(scenario):
    radar, _, _ = scenario
    overview = await radar_stats.analytics(radar, TZ, NOW)
    assert by_name(overview.by_visits) == ["王小明", "钱多多", "赵丽", "孙悟空", "吴用", "周芷若"]
    assert [r["visits"] for r in overview.by_visits] == [2, 2, 2, 1, 1, 1]
    assert by_name(overview.by_time) == ["王小明", "钱多多", "孙悟空", "赵丽", "吴用", "周芷若"]
    assert [r["time"] for r in overview.by_time] == [120, 60, 40, 35, 20, 0]


async def test_funnel_goes_from_sends_to_customers_who_brought_a_customer(scenario):
    radar, _, _ = scenario
    funnel = (await radar_stats.analytics(radar, TZ, NOW)).funnel
    assert [(s["label"], s["value"]) for s in funnel] == [
        ("发送次数", 4),  # every tap: s1 three times, s2 once
        ("打开客户数", 6),
        ("阅读 ≥ 50%", 4),  # A 60, C 100, D 50, F 100
        ("读完", 2),  # C and F
        ("分享", 2),  # A (brought C) and C (brought F); the non-friend N is not a customer
    ]


async def test_link_radars_have_no_time_or_progress(live_database):
    ids = await people()
    radar = await make_radar(Radar.LINK, "官网")
    await build(radar, ids, DAY_START)
    overview = await radar_stats.analytics(radar, TZ, NOW)
    assert overview.figures["avg_time"] is None and overview.figures["avg_progress"] is None
    assert overview.figures["visitors"] == 6 and overview.by_time == []
    assert [s["label"] for s in overview.funnel] == ["发送次数", "打开客户数", "分享"]
    _, rows = await radar_stats.customers(radar, CustomerFilter(), limit=10)
    assert {(r["last_duration"], r["last_progress"]) for r in rows} == {(None, None)}


async def test_customer_analysis_columns_come_from_each_customers_latest_visit(scenario):
    radar, _, _ = scenario
    total, rows = await radar_stats.customers(radar, CustomerFilter(), limit=20)
    assert total == 6
    table = [
        (r["name"], r["member_name"], r["level"], r["last_duration"], r["last_progress"],
         r["last_channel_name"], r["visits"], r["brought"])
        for r in rows
    ]  # fmt: skip
    assert table == [
        ("吴用", "张三", 3, 20, 100, "客户分享", 1, 0),
        ("周芷若", "赵六", 1, 0, 0, "员工发送", 1, 0),
        ("钱多多", "张三", 2, 10, 30, "客户分享", 2, 1),  # brought F
        ("孙悟空", "张三", 3, 40, 50, "客户分享", 1, 0),
        ("王小明", "张三", 1, 20, 40, "员工发送", 2, 1),  # brought C; the non-friend N not counted
        ("赵丽", "张三", 1, 5, 10, "客户分享", 2, 0),  # her own link: level stays 1, brought nobody
    ]
    assert rows[0]["last_visit_at"] == DAY_START + timedelta(hours=8, minutes=90)


async def test_customer_analysis_searches_by_name_member_and_last_visit_range_and_pages(scenario):
    radar, _, _ = scenario

    async def names(**kw) -> list[str]:
        return by_name((await radar_stats.customers(radar, CustomerFilter(**kw), limit=20))[1])

    assert await names(text="钱") == ["钱多多"]
    assert await names(text="%") == []  # a wildcard is just a character
    assert await names(userid="s2") == ["周芷若"]
    assert await names(last_before=DAY_START) == ["赵丽"]
    assert await names(last_from=DAY_START, userid="s1") == ["吴用", "钱多多", "孙悟空", "王小明"]
    total, page = await radar_stats.customers(radar, CustomerFilter(), limit=2, offset=4)
    assert total == 6 and by_name(page) == ["王小明", "赵丽"]
    assert await radar_stats.customers(radar, CustomerFilter(), limit=2, offset=10) == (6, [])


async def test_staff_analysis_counts_sends_direct_customers_and_their_chains(scenario):
    radar, _, _ = scenario
    rows = await radar_stats.staff(radar)
    assert [(r["name"], r["sends"], r["direct"], r["visits"], r["visitors"]) for r in rows] == [
        # s1: 3 taps; A and B came through the sends; 8 customer visits by A, B, C, D, F in s1's chains
        ("张三", 3, 2, 8, 5),
        ("赵六", 1, 1, 1, 1),
    ]


async def test_source_path_runs_from_the_sender_through_each_sharer(scenario):
    radar, ids, _ = scenario
    path = await radar_network.source_path(radar, ids["F"])
    assert path["member_name"] == "张三"
    assert [(s["level"], s["name"]) for s in path["steps"]] == [(1, "王小明"), (2, "钱多多"), (3, "吴用")]
    through_stranger = await radar_network.source_path(radar, ids["D"])
    assert [s["name"] for s in through_stranger["steps"]] == ["王小明", "非好友访客", "孙悟空"]
    assert await radar_network.source_path(radar, "wm_nobody") is None


async def test_network_draws_the_customers_share_tree_with_counts(scenario):
    radar, ids, _ = scenario
    graph = await radar_network.network(radar, ids["A"])
    names = {n["id"]: n["name"] for n in graph["nodes"]}
    edges = sorted((names[e["source"]], names[e["target"]], e["count"]) for e in graph["edges"])
    assert edges == [
        ("王小明", "钱多多", 2),  # C opened A's link twice
        ("王小明", "非好友访客", 1),
        ("钱多多", "吴用", 1),
        ("非好友访客", "孙悟空", 1),
    ]
    assert [n["name"] for n in graph["nodes"] if n["root"]] == ["王小明"]
    leaf = await radar_network.network(radar, ids["F"])
    assert [n["name"] for n in leaf["nodes"]] == ["吴用"] and leaf["edges"] == []
