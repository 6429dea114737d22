"""The read API: who sees which customers (the scope matrix), every filter, totals, errors, OpenAPI."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.contacts import scope
from tests.readapi_corp import login

ALL = {"c1", "c2", "c3", "c4", "c5", "c6"}


# -- scope -----------------------------------------------------------------------------------------


async def test_each_role_sees_its_own_slice_of_customers(company):
    # (viewer, customers seen, rows = relations seen, role)
    matrix = [
        (None, ALL, 7, "admin"),  # the API token
        ("ops", ALL, 7, "admin"),  # admin by settings
        # lead manages 销售部: its direct members lead and s1, not s2 of the sub-department 华东组
        ("lead", {"c1", "c4", "c5"}, 3, "department_admin"),
        ("kflead", {"c3", "c4"}, 2, "department_admin"),  # 客服部 by settings: kf's customers
        ("s2", {"c2", "c6"}, 2, "staff"),
        ("s1", {"c1", "c4"}, 2, "staff"),
    ]
    for viewer, expected, rows, role in matrix:
        seen, body = await company.customers(viewer)
        assert seen == expected, viewer
        assert (body["total"], body["dedup_total"]) == (rows, len(expected)), viewer
        status, me = await company.get("/api/v1/me", viewer)
        assert (status, me["role"]) == (200, role)


async def test_a_customer_outside_the_scope_reads_as_missing_on_detail_and_timeline(company):
    c2 = company.ids["c2"]
    for path in (f"/api/v1/customers/{c2}", f"/api/v1/customers/{c2}/timeline"):
        assert (await company.get(path, "s2"))[0] == 200
        outside = await company.get(path, "lead")  # s2 sits in a sub-department lead does not manage
        missing = await company.get(path.replace(c2, "wmNOSUCHCUSTOMER0000000000000000"), "lead")
        assert outside == missing == (404, {"error": "no such customer", "status": 404})


async def test_an_admin_named_in_the_console_sees_everyone(company):
    assert (await company.customers("s2"))[0] == {"c2", "c6"}
    await scope.grant_admin("s2", granted_by="ops")
    assert (await company.customers("s2"))[0] == ALL
    assert await scope.revoke_admin("s2")
    assert (await company.customers("s2"))[0] == {"c2", "c6"}


async def test_nobody_and_a_wrong_token_get_401(company):
    company.client.session.cookie_jar.clear()
    anonymous = await company.client.get("/api/v1/customers")
    forged = await company.client.get("/api/v1/customers", headers={"Authorization": "Bearer " + "x" * 40})
    assert anonymous.status == forged.status == 401
    assert "login required" in (await anonymous.json())["error"]


async def test_someone_outside_the_directory_cannot_log_in(company):
    company.emulator.state.add_member("newbie", "新人")  # in WeCom, not yet in our mirror
    with pytest.raises(AssertionError):
        await login(company.client, company.emulator, "newbie")
    start = await company.client.get("/auth/login", allow_redirects=False)
    assert start.status == 302
    refused = await company.client.get("/auth/callback?code=x&state=forged", allow_redirects=False)
    assert refused.status == 400 and "登录链接已失效" in await refused.text()


# -- detail and timeline ---------------------------------------------------------------------------


async def test_detail_lists_every_relation_with_its_tags(company):
    status, c3 = await company.get(f"/api/v1/customers/{company.ids['c3']}")
    assert status == 200
    assert (c3["name"], c3["type"], c3["corp_name"], c3["lost"]) == ("钱多多", 2, "腾讯", False)
    [relation] = c3["relations"]
    assert (relation["userid"], relation["staff_name"], relation["status"]) == ("kf", "客服钱", "active")
    assert [(t["name"], t["group"]) for t in relation["tags"]] == [("A类", "客户等级"), ("B类", "客户等级")]
    _, c4 = await company.get(f"/api/v1/customers/{company.ids['c4']}")
    assert [(r["userid"], r["remark"]) for r in c4["relations"]] == [("s1", "老客户"), ("kf", "")]
    _, c5 = await company.get(f"/api/v1/customers/{company.ids['c5']}")
    assert c5["lost"] and c5["relations"][0]["status"] == "lost" and c5["relations"][0]["ended_at"]


async def test_timeline_is_paged_newest_first_and_filtered_by_type(company):
    path = f"/api/v1/customers/{company.ids['c4']}/timeline"
    _, everything = await company.get(path)
    assert [(e["type"], e["userid"]) for e in everything["items"]] == [
        ("added", "kf"), ("remark_changed", "s1"), ("added", "s1"),
    ]  # fmt: skip
    assert everything["items"][0]["staff_name"] == "客服钱"
    _, page = await company.get(path, type="added", limit=1, offset=1)
    assert page["total"] == 2 and [e["userid"] for e in page["items"]] == ["s1"]
    status, bad = await company.get(path, type="exploded")
    assert (status, bad["param"]) == (400, "type")


# -- filters ---------------------------------------------------------------------------------------


async def test_every_filter_narrows_the_list(company):
    a, b = company.tags["A"], company.tags["B"]
    cases = [
        ({"q": "小明"}, {"c1"}),
        ({"q": "老客户"}, {"c4"}),  # remark text
        ({"owner": "kf"}, {"c3", "c4"}),
        ({"owner": "s1,lead"}, {"c1", "c4", "c5"}),
        ({"tags": f"{a},{b}"}, {"c1", "c2", "c3"}),
        ({"tags": f"{a},{b}", "tag_mode": "all"}, {"c3"}),
        ({"state": "展会"}, {"c1", "c4"}),
        ({"state": "展会,官网"}, {"c1", "c2", "c4"}),
        ({"gender": "2"}, {"c2", "c5"}),
        ({"status": "lost"}, {"c5"}),
        ({"status": "deleted"}, {"c6"}),
        ({"status": "active"}, {"c1", "c2", "c3", "c4"}),
        ({"type": "2"}, {"c3"}),
        ({"tags": a, "owner": "s1", "gender": "1"}, {"c1"}),  # combined: AND
    ]
    for params, expected in cases:
        seen, _ = await company.customers(**params)
        assert seen == expected, params


async def test_add_time_range_is_by_day_in_the_corp_time_zone(company):
    def day(key: str, userid: str):
        follow = company.emulator.state.follows[(userid, company.ids[key])]
        return datetime.fromtimestamp(follow.createtime, ZoneInfo("Asia/Shanghai")).date().isoformat()

    seen, _ = await company.customers(added_from=day("c2", "s2"), added_to=day("c4", "s1"))
    assert seen == {"c2", "c3", "c4"}  # c4's second relation (kf) was added the same day
    seen, _ = await company.customers(added_from=day("c5", "lead"))
    assert seen == {"c5", "c6"}


async def test_totals_count_relations_and_distinct_customers_across_pages(company):
    _, first = await company.get("/api/v1/customers", limit=4)
    _, rest = await company.get("/api/v1/customers", limit=4, offset=4)
    assert first["total"] == rest["total"] == 7 and first["dedup_total"] == 6
    rows = [(i["external_userid"], i["relation"]["userid"]) for i in first["items"] + rest["items"]]
    assert len(rows) == len(set(rows)) == 7
    newest = first["items"][0]
    assert (newest["name"], newest["relation"]["userid"], newest["relation"]["status"]) == (
        "吴用", "s2", "deleted",
    )  # fmt: skip


async def test_bad_parameters_are_refused_with_their_name(company):
    cases = [
        ({"gender": "5"}, "gender"),
        ({"added_from": "yesterday"}, "added_from"),
        ({"added_from": "2026-03-02", "added_to": "2026-03-01"}, "added_to"),
        ({"limit": "0"}, "limit"),
        ({"limit": "abc"}, "limit"),
        ({"status": "gone"}, "status"),
        ({"tag_mode": "some"}, "tag_mode"),
        ({"tags": "etNOSUCHTAG"}, "tags"),
        ({"owner": "nobody"}, "owner"),
        ({"nickname": "x"}, "nickname"),  # not a parameter: a typo must not return everything
    ]
    for params, name in cases:
        status, body = await company.get("/api/v1/customers", **params)
        assert (status, body["param"]) == (400, name), params
        assert body["error"].startswith(name + ":")


# -- the rest of the company --------------------------------------------------------------------------


async def test_groups_show_counts_and_todays_joins_within_scope(company):
    chat = company.emulator.state.group_chats[company.chat_id]
    _, groups = await company.get("/api/v1/groups")
    [group] = groups["items"]
    assert (group["name"], group["owner_name"]) == ("展会客户群", "张三")
    assert group["member_count"] == len(chat.members) == group["today_joins"]
    assert (group["customer_count"], group["today_quits"]) == (1, 0)
    assert (await company.get("/api/v1/groups", "lead"))[1]["total"] == 1  # s1 is a direct member of 销售部
    assert (await company.get("/api/v1/groups", "s2"))[1]["total"] == 0


async def test_directory_and_tags_read_as_wecom_has_them(company):
    _, departments = await company.get("/api/v1/departments")
    names = {d["id"]: d["name"] for d in departments["items"]}
    assert names == {1: "总部", 2: "销售部", 3: "华东组", 4: "客服部"}
    _, members = await company.get("/api/v1/members", "s1")
    lead = next(m for m in members["items"] if m["userid"] == "lead")
    assert (lead["name"], lead["departments"], lead["leads"]) == ("销售李", [2], [2])
    _, tags = await company.get("/api/v1/tags")
    groups = [(g["name"], [t["name"] for t in g["tags"]]) for g in tags["groups"]]
    assert groups == [("客户等级", ["A类", "B类"])]


async def test_the_openapi_document_describes_every_endpoint_and_filter(company):
    response = await company.client.get("/api/v1/openapi.json")
    doc = await response.json()
    assert doc["openapi"].startswith("3.")
    routes = {
        r.resource.canonical
        for r in company.client.app.router.routes()
        if r.resource.canonical.startswith("/api/v1/") and r.method == "GET"
    }
    assert set(doc["paths"]) == routes - {"/api/v1/openapi.json"}
    customer_params = {p["name"] for p in doc["paths"]["/api/v1/customers"]["get"]["parameters"]}
    assert customer_params == {
        "q", "owner", "tags", "tag_mode", "added_from", "added_to", "state", "gender", "status", "type",
        "conditions", "sort", "limit", "offset",
    }  # fmt: skip
