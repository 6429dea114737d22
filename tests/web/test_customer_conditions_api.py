"""/api/v1/customers?conditions=<json>: a condition tree narrows the list like the simple filters (AND-ed
with them, within the caller's scope), and a wrong tree is a 400 naming the node in Chinese."""

from __future__ import annotations

import json

from bot.followups import stages
from tests.readapi_corp import login


def tree(*items, op="and", **extra) -> str:
    return json.dumps({"op": op, "items": list(items), **extra}, ensure_ascii=False)


async def test_a_tree_narrows_the_list_and_combines_with_the_simple_filters(company):
    a, b = company.tags["A"], company.tags["B"]
    either = tree(
        {"kind": "tags", "match": "all", "tag_ids": [a, b]}, {"kind": "gender", "values": [2]}, op="or"
    )
    cases = [
        ({"conditions": either}, {"c2", "c3", "c5"}),
        ({"conditions": either, "status": "active"}, {"c2", "c3"}),  # AND-ed with the simple filters
        ({"conditions": tree({"kind": "tags", "match": "none", "tag_ids": [a, b]})}, {"c4", "c5", "c6"}),
        ({"conditions": tree({"kind": "status", "values": ["lost", "deleted"]}, **{"not": True})},
         {"c1", "c2", "c3", "c4"}),
        ({"conditions": tree({"kind": "text", "field": "remark", "op": "equals", "value": "老客户"})},
         {"c4"}),
        ({"conditions": tree({"kind": "departments", "ids": [2], "children": True})},
         {"c1", "c2", "c4", "c5", "c6"}),
        ({"conditions": tree({"kind": "departments", "ids": [2]})}, {"c1", "c4", "c5"}),
        ({"conditions": tree({"kind": "events", "types": ["lost"]})}, {"c5"}),
        ({"conditions": tree({"kind": "channel", "states": ["展会"]}), "owner": "kf"}, set()),
        ({"conditions": tree({"kind": "channel", "states": ["展会"]}), "owner": "s1"}, {"c1", "c4"}),
    ]  # fmt: skip
    for params, expected in cases:
        seen, _ = await company.customers(**params)
        assert seen == expected, params


async def test_a_tree_never_reaches_outside_the_callers_scope(company):
    owners = {"kind": "owners", "userids": ["s1", "s2", "kf", "lead"]}
    everyone = tree(owners, {"kind": "gender", "values": [0, 1, 2]}, op="or")
    seen, body = await company.customers("s1", conditions=everyone)
    assert seen == {"c1", "c4"} and body["total"] == 2


async def test_the_stage_a_staff_member_set_is_a_condition(company):
    stage = (await stages.list_stages())[1]
    await stages.set_stage(company.ids["c1"], "s1", stage.id)
    seen, _ = await company.customers(conditions=tree({"kind": "stage", "stage_ids": [stage.id]}))
    assert seen == {"c1"}
    seen, _ = await company.customers(
        conditions=tree({"kind": "stage", "match": "none", "stage_ids": [stage.id]})
    )
    assert seen == {"c2", "c3", "c4", "c5", "c6"}  # per relation: c4's with s1 and with kf have none


async def test_rows_come_in_the_order_asked_for(company):
    _, body = await company.customers(sort="added")
    oldest_first = [i["relation"]["add_time"] for i in body["items"]]
    assert oldest_first == sorted(oldest_first) and len(oldest_first) == 7
    _, body = await company.customers(sort="-added")
    assert [i["relation"]["add_time"] for i in body["items"]] == oldest_first[::-1]


async def test_a_wrong_tree_is_a_400_naming_the_node_in_chinese(company):
    gone = {"kind": "tags", "tag_ids": ["etGONE"]}
    for conditions, message in (
        (tree({"kind": "gender", "values": [1]}, tree(gone, op="or")),
         "筛选条件：条件 2：应为一个条件或条件组（JSON 对象）"),
        (tree({"kind": "gender", "values": [1]}, {"op": "or", "items": [gone]}),
         "筛选条件：条件 2.1（企业标签）：找不到 etGONE"),
        ("{not json", "筛选条件：不是有效的 JSON"),
        ("a" * 8001, "筛选条件：最多 8000 个字"),
        ("[" * 2000, "筛选条件：不是有效的 JSON"),  # nested too deep to decode
        (tree(*[{"kind": "gender", "values": [1]}] * 11), "筛选条件：一组最多 10 个条件"),
    ):  # fmt: skip
        status, body = await company.get("/api/v1/customers", conditions=conditions)
        assert (status, body["param"], body["message"]) == (400, "conditions", message), conditions
        assert body["error"].startswith("conditions:")
    status, body = await company.get("/api/v1/customers", state="x" * 65)
    assert (status, body["param"]) == (400, "state") and body["message"].startswith("添加渠道：")


async def test_the_console_list_refuses_a_wrong_tree_in_chinese_and_keeps_the_page(company):
    await login(company.client, company.emulator, "ops")
    gone = tree({"kind": "tags", "tag_ids": ["etGONE"]})
    response = await company.client.get("/console/customers", params={"conditions": gone})
    html = await response.text()
    assert response.status == 400 and "条件 1（企业标签）：找不到 etGONE" in html
    assert "<h1>客户列表</h1>" in html and "no such" not in html
    ok = await company.client.get(
        "/console/customers", params={"conditions": tree({"kind": "gender", "values": [2]})}
    )
    html = await ok.text()
    assert ok.status == 200 and "赵丽" in html and "王小明" not in html
