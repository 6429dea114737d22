"""The seeded demo corp: a believable company that answers through the emulator's API like WeCom would."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import asdict

import pytest

from bot.contacts.models import Customer, FollowRelation
from bot.wecom.emulator import CorpConfig, CorpState, Emulator
from bot.wecom.emulator.seed import HISTORY_DAYS, DemoCorp, populate
from bot.wecom.errors import NoRelation
from tests.conftest import settled
from tests.emulator_fixtures import CallbackReceiver

CHINESE_NAME = re.compile(r"^[\u4e00-\u9fff]{2,4}$")


@pytest.fixture
def demo(emulator: Emulator) -> DemoCorp:
    return populate(emulator.state, customers=2000, seed=1)


def snapshot(state: CorpState) -> dict:
    return {
        "members": [asdict(m) for m in state.members.values()],
        "customers": [state.customer_view(ext) for ext in state.customers],
        "chats": [asdict(c) for c in state.group_chats.values()],
        "ways": [(w.state, w.user) for w in state.contact_ways.values()],
    }


def fresh_state(clock) -> CorpState:
    return CorpState(CorpConfig.generate(seed=7), clock=clock, seed=0)


async def test_the_directory_has_a_department_tree_30_staff_an_admin_and_two_department_admins(
    emulator: Emulator, demo: DemoCorp
):
    state = emulator.state
    departments = state.departments
    assert len(departments) >= 4
    assert all(d.parentid in departments for d in departments.values() if d.id != 1)
    parents = {d.parentid for d in departments.values()}

    assert len(state.members) == 30 == len(demo.staff)
    assert all(CHINESE_NAME.match(m.name) for m in state.members.values())
    assert {m.gender for m in state.members.values()} == {1, 2}
    assert all(m.position and m.mobile for m in state.members.values())
    assert state.members[demo.admin].position == "运营经理"

    assert len(demo.department_admins) == 2
    for userid, dept in demo.department_admins.items():
        assert departments[dept].department_leader == [userid]
        assert state.members[userid].is_leader_in_dept == [dept]
    # One department admin leads a department with sub-departments, which their scope does not include.
    assert any(dept in parents for dept in demo.department_admins.values())
    leaders = [d for d in departments.values() if d.department_leader]
    assert len(leaders) == 2


async def test_the_same_seed_gives_the_same_corp_and_another_seed_another():
    # One fixed instant: the seed dates everything back from "now", which must not tick between the runs.
    def frozen() -> float:
        return 1_800_000_000.0

    one, two, other = fresh_state(frozen), fresh_state(frozen), fresh_state(frozen)
    populate(one, customers=300, seed=5)
    populate(two, customers=300, seed=5)
    populate(other, customers=300, seed=6)
    assert snapshot(one) == snapshot(two)
    assert [c.name for c in one.customers.values()] != [c.name for c in other.customers.values()]


async def test_staff_customers_and_groups_answer_through_the_api_with_their_names(
    emulator: Emulator, demo: DemoCorp, wecom_client
):
    state = emulator.state
    keeper = Counter(f.userid for f in state.follows.values()).most_common(1)[0][0]
    listed = [item async for item in wecom_client.iter_customers_by_user([keeper])]
    assert len(listed) == len(state.follows_of_member(keeper)) > 20
    for item in listed:
        ext = item["external_contact"]["external_userid"]
        assert item["external_contact"]["name"] == state.customers[ext].name
        assert item["follow_info"]["tag_id"] == state.follows[(keeper, ext)].tag_ids

    user = await wecom_client.get_user(demo.admin)
    assert (user["name"], user["position"]) == (state.members[demo.admin].name, "运营经理")
    [(head, dept)] = [(u, d) for u, d in demo.department_admins.items() if d == 3]
    tree = (await wecom_client.list_departments())["department"]
    assert next(d for d in tree if d["id"] == dept)["department_leader"] == [head]
    assert {d["name"] for d in tree if d["parentid"] == dept} == {"华东销售组", "华南销售组", "华北销售组"}

    chat = (await wecom_client.groupchat_get(demo.group_chats[0]))["group_chat"]
    seeded = state.group_chats[demo.group_chats[0]]
    assert chat["owner"] == seeded.owner
    assert [(m["userid"], m["name"]) for m in chat["member_list"]] == [
        (m.userid, m.name) for m in seeded.members
    ]
    tags = (await wecom_client.get_corp_tag_list())["tag_group"]
    assert [g["group_name"] for g in tags][:2] == ["客户等级", "客户阶段"]


async def test_customers_groups_and_channels_have_the_designed_proportions(emulator_clock):
    state = fresh_state(emulator_clock)
    demo = populate(state, customers=5000, seed=2)
    now = state.now()
    follows = list(state.follows.values())
    customers = list(state.customers.values())
    assert demo.customers == len(customers) == 5000
    assert demo.relations == len(follows)

    followers = Counter(f.external_userid for f in follows)
    several = sum(1 for n in followers.values() if n >= 2)
    assert 0.07 < several / len(followers) < 0.14  # ~10 % kept by two or more staff
    assert 0.04 < demo.lost / len(follows) < 0.10
    assert demo.lost == sum(f.lost for f in follows)
    assert 0.01 < demo.deleted / 5000 < 0.04
    assert len(followers) + demo.deleted == 5000

    real_names = sum(1 for c in customers if CHINESE_NAME.match(c.name))
    assert real_names / 5000 > 0.7
    wecom_users = [c for c in customers if c.type == 2]
    assert 0.05 < len(wecom_users) / 5000 < 0.12
    assert all(c.corp_name and c.position and c.external_userid.startswith("wo") for c in wecom_users)
    assert all(c.unionid.startswith("o") and len(c.unionid) == 28 for c in customers if c.type == 1)

    channel_states = {w.state for w in state.contact_ways.values()}
    assert all(0 < len(s) <= 30 for s in channel_states)
    through_channel = [f for f in follows if f.state]
    assert {f.state for f in through_channel} == channel_states
    assert all(f.add_way == 1 for f in through_channel)
    assert all(f.userid in state.contact_ways[demo.channels[f.state]].user for f in through_channel)
    assert 0.3 < len(through_channel) / len(follows) < 0.5
    assert len({f.add_way for f in follows}) >= 8

    ages = [now - f.createtime for f in follows]
    assert max(ages) <= HISTORY_DAYS * 86400 and min(ages) >= 0
    assert max(ages) > 365 * 86400
    assert sum(age < 180 * 86400 for age in ages) > sum(age > 360 * 86400 for age in ages)  # growth
    assert sum(bool(f.tag_ids) for f in follows) / len(follows) > 0.8
    assert sum(bool(f.remark) for f in follows) / len(follows) > 0.4

    chats = [state.group_chats[c] for c in demo.group_chats]
    assert len(chats) == 40
    today = now - (now + 8 * 3600) % 86400
    assert sum(m.join_time >= today for c in chats for m in c.members if m.type == 2) >= 10
    for chat in chats:
        assert state.members[chat.owner] and chat.members[0].userid == chat.owner
        assert any(m.type == 2 for m in chat.members) and sum(m.type == 1 for m in chat.members) >= 2
        assert set(chat.admin_list) <= {m.userid for m in chat.members if m.type == 1}
    assert sum(bool(c.notice) for c in chats) >= 5


async def test_lost_customers_stay_listed_and_deleted_ones_are_gone(
    emulator: Emulator, demo: DemoCorp, wecom_client
):
    state = emulator.state
    lost = next(f for f in state.follows.values() if f.lost)
    listed = [item async for item in wecom_client.iter_customers_by_user([lost.userid])]
    # The customer deleted the member; WeCom still lists them among the member's customers.
    assert lost.external_userid in {i["external_contact"]["external_userid"] for i in listed}

    deleted = next(ext for ext in state.customers if not state.follows_of_customer(ext))
    with pytest.raises(NoRelation):
        await wecom_client.get_external_contact(deleted)


async def test_played_activity_reaches_the_callback_url(
    emulator: Emulator, demo: DemoCorp, callback_receiver: CallbackReceiver
):
    await emulator.callbacks.configure(callback_receiver.url)
    before = len(emulator.state.customers)
    played = demo.play(emulator.actions, 20)
    await emulator.callbacks.drain()

    assert len(played) == 20
    assert len(callback_receiver.events) == len(emulator.callbacks.events) == 20
    assert all(r.outcome == "ok" for r in emulator.callbacks.log)
    kinds = Counter(p["action"] for p in played)
    assert kinds["customer_adds_member"] >= 3
    assert len(emulator.state.customers) == before + kinds["customer_adds_member"]
    added = [p for p in played if p["action"] == "customer_adds_member"]
    assert all(p["state"] in demo.channels for p in added)


async def test_played_activity_on_the_seeded_corp_is_mirrored_by_our_server(mirror: Emulator):
    demo = populate(mirror.state, customers=200, seed=3)
    played = demo.play(mirror.actions, 15)
    # A callback can be the first the server hears of a seeded customer: here, that they left their advisor.
    leaving = next(
        f for f in mirror.state.follows.values() if not f.lost and f.createtime < mirror.state.now()
    )
    mirror.actions.customer_deletes_member(leaving.userid, leaving.external_userid)
    await settled(mirror)

    added = {p["external_userid"] for p in played if p["action"] == "customer_adds_member"}
    mirrored = await Customer.filter(external_userid__in=added).values_list("external_userid", flat=True)
    assert added and set(mirrored) == added
    relation = await FollowRelation.get(customer_id=leaving.external_userid, userid=leaving.userid)
    assert relation.status == FollowRelation.LOST
