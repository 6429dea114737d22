"""What staff read of a colleague's relation with a customer they share: the colleague's remark, description,
remark mobiles, tags and channel are the colleague's own, on every path (API, sidebar, console, timeline,
group card), unless the admin opens some of them in access.colleague_relation_fields."""

import dataclasses
import json

from bot.appkeys import SETTINGS
from bot.contacts import reads, scope
from tests.conftest import settled
from tests.readapi_corp import login

# c4 孙悟空 is followed by s1 (销售部, managed by lead) and kf (客服部, managed by kflead).
S1_OWN = ("老客户", "想换车", "13800000001")  # s1's remark, description, remark mobile
KF_OWN = ("钱客户", "售后回访", "13900000002")
PUBLIC = {"userid", "staff_name", "add_time", "status", "ended_at", "withheld"}
PRIVATE = ["remark", "description", "remark_corp_name", "remark_mobiles", "add_way", "state", "tags"]


async def shared_customer(company) -> str:
    """c4 with a remark, description, remark mobile and tag from each of its two followers."""
    c4, act = company.ids["c4"], company.emulator.actions
    act.member_edits_customer("s1", c4, description="想换车", remark_mobiles=["13800000001"])
    act.member_edits_customer("s1", c4, add_tags=[company.tags["A"]])
    act.member_edits_customer(
        "kf",
        c4,
        remark="钱客户",
        description="售后回访",
        remark_mobiles=["13900000002"],
        add_tags=[company.tags["B"]],
    )
    await settled(company.emulator)
    return c4


def read_in_full(relation: dict) -> bool:
    """Either the whole relation or the public part only, never something in between."""
    if relation["withheld"] == []:
        return set(PRIVATE) < set(relation)
    assert set(relation) == PUBLIC and relation["withheld"] == PRIVATE, relation
    return False


async def test_each_role_reads_colleagues_relations_as_its_scope_allows(company):
    c4 = await shared_customer(company)
    # viewer -> (s1's relation in full, kf's relation in full); None is the API token (the admin's view)
    matrix = {
        None: (True, True),
        "ops": (True, True),  # admin
        "lead": (True, False),  # manages s1's department, not kf's
        "kflead": (False, True),  # manages kf's department, not s1's
        "s1": (True, False),
        "kf": (False, True),
    }
    for viewer, expected in matrix.items():
        status, body = await company.get(f"/api/v1/customers/{c4}", viewer)
        assert status == 200, viewer
        relations = {r["userid"]: r for r in body["relations"]}
        assert (read_in_full(relations["s1"]), read_in_full(relations["kf"])) == expected, viewer
        text = json.dumps(body, ensure_ascii=False)
        for own, full in zip((S1_OWN, KF_OWN), expected, strict=True):
            assert all((value in text) == full for value in own), (viewer, own)
        # what everyone reads of every relation
        assert relations["kf"]["staff_name"] == "客服钱" and relations["kf"]["status"] == "active"
        assert relations["s1"]["add_time"]
    assert (await company.get(f"/api/v1/customers/{c4}", "s2"))[0] == 404  # not shared at all


async def test_a_colleagues_remark_and_tag_changes_show_in_the_timeline_without_their_content(company):
    c4 = await shared_customer(company)
    _, mine = await company.get(f"/api/v1/customers/{c4}/timeline", "kf", limit=100)
    theirs = [e for e in mine["items"] if e["userid"] == "s1"]
    assert {e["type"] for e in theirs} == {"added", "remark_changed", "tags_added"}  # that it happened
    text = json.dumps(theirs, ensure_ascii=False)
    assert not any(value in text for value in S1_OWN) and "A类" not in text and "展会" not in text
    assert {e["type"]: e["withheld"] for e in theirs}["remark_changed"] == ["description", "remark"]
    own = next(e for e in mine["items"] if e["userid"] == "kf" and e["type"] == "remark_changed")
    assert own["payload"]["remark"] == "钱客户" and own["withheld"] == []
    # s1's department admin reads s1's history in full
    _, managed = await company.get(f"/api/v1/customers/{c4}/timeline", "lead", limit=100)
    assert "想换车" in json.dumps(managed, ensure_ascii=False)


async def test_the_sidebar_card_and_the_console_page_keep_a_colleagues_remark_to_them(company):
    c4 = await shared_customer(company)
    await login(company.client, company.emulator, "kf")
    sidebar = await (await company.client.get(f"/sidebar/customers/{c4}")).text()
    console = await (await company.client.get(f"/console/customers/{c4}")).text()
    for html in (sidebar, console):
        assert "钱客户" in html and "售后回访" in html  # kf's own
        assert not any(value in html for value in S1_OWN)
        assert "张三" in html  # the colleague's name is still there
    assert "仅本人可见" in console and "详情仅该员工本人可见" in sidebar


async def test_the_group_card_shows_only_tags_the_viewer_may_read(company):
    c3 = company.ids["c3"]  # kf's customer, tagged A and B by kf, joins s1's group
    company.emulator.actions.customer_joins_group(company.chat_id, external_userid=c3)
    await settled(company.emulator)
    path = f"/sidebar/groups/{company.chat_id}"
    await login(company.client, company.emulator, "s1")
    as_owner = await (await company.client.get(path)).text()
    await login(company.client, company.emulator, "ops")
    as_admin = await (await company.client.get(path)).text()
    assert "钱多多" in as_owner and "A类" not in as_owner and "B类" not in as_owner
    assert "A类" in as_admin and "B类" in as_admin


async def test_an_admin_may_open_some_fields_to_colleagues(company):
    c4 = await shared_customer(company)
    access = company.client.app[SETTINGS].access
    opened = dataclasses.replace(access, colleague_relation_fields=("remark", "channel"))
    kf = await scope.viewer_for("kf", opened)
    s1 = next(r for r in (await reads.customer_detail(kf, c4))["relations"] if r["userid"] == "s1")
    assert (s1["remark"], s1["state"]) == ("老客户", "展会") and "add_way" in s1
    assert "description" not in s1 and "remark_mobiles" not in s1 and "tags" not in s1
    assert s1["withheld"] == ["description", "remark_corp_name", "remark_mobiles", "tags"]
    _, events = await reads.customer_timeline(kf, c4, types=("remark_changed",), limit=10, offset=0)
    first = [e for e in events if e["userid"] == "s1"][-1]  # newest first: s1 setting the remark
    assert first["payload"] == {"remark": "老客户", "old_remark": ""}
    assert first["withheld"] == ["description"]
