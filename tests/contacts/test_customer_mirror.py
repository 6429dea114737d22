"""Customers and follow relations: what customers and staff do in WeCom reaches the mirror and timeline."""

from bot.contacts import timeline
from bot.contacts.models import Customer, FollowRelation
from tests.conftest import settled


def staffed(emulator):
    emulator.state.add_member("zhangsan", "张三")
    emulator.state.add_member("lisi", "李四")
    return emulator


async def relation(external_userid: str, userid: str) -> FollowRelation:
    return await FollowRelation.get(customer_id=external_userid, userid=userid)


async def history(external_userid: str) -> list[tuple[str, str]]:
    _, events = await timeline.read(external_userid, limit=100)
    return [(e.type, e.userid) for e in reversed(events)]


async def test_a_customer_added_through_a_channel_is_mirrored_with_its_channel(mirror):
    emu = staffed(mirror)
    added = emu.actions.customer_adds_member("zhangsan", {"name": "王小明", "gender": 1}, state="spring-fair")
    await settled(emu)
    customer = await Customer.get(external_userid=added["external_userid"])
    assert (customer.name, customer.gender, customer.lost) == ("王小明", 1, False)
    rel = await relation(customer.external_userid, "zhangsan")
    assert (rel.status, rel.state, rel.add_way) == ("active", "spring-fair", 1)
    _, events = await timeline.read(customer.external_userid)
    assert [(e.type, e.userid, e.payload["state"]) for e in events] == [("added", "zhangsan", "spring-fair")]


async def test_remark_and_tag_edits_in_the_client_are_recorded(mirror, emulator_clock):
    emu = staffed(mirror)
    a = emu.actions.admin_creates_tag("A类", group_name="客户等级", order=2)["tag_id"]
    b = emu.actions.admin_creates_tag("B类", group_name="客户等级", order=1)["tag_id"]
    ext = emu.actions.customer_adds_member("zhangsan")["external_userid"]
    await settled(emu)
    emu.actions.member_edits_customer("zhangsan", ext, remark="王总", add_tags=[a, b])
    await settled(emu)
    # Edit events carry no detail: two in the same second are the same XML, and the inbox keeps one.
    emulator_clock.advance(1)
    emu.actions.member_edits_customer("zhangsan", ext, remove_tags=[b])
    await settled(emu)
    rel = await relation(ext, "zhangsan")
    assert (rel.remark, rel.tag_ids) == ("王总", [a])
    assert await history(ext) == [
        ("added", "zhangsan"), ("remark_changed", "zhangsan"), ("tags_added", "zhangsan"),
        ("tags_removed", "zhangsan"),
    ]  # fmt: skip
    _, (removed, *_) = await timeline.read(ext, types=(timeline.TAGS_REMOVED,))
    assert removed.payload == {"tag_ids": [b], "names": ["B类"]}


async def test_a_customer_who_deletes_their_only_advisor_is_lost_and_a_re_add_restores_them(mirror):
    emu = staffed(mirror)
    ext = emu.actions.customer_adds_member("zhangsan")["external_userid"]
    await settled(emu)
    emu.actions.customer_deletes_member("zhangsan", ext)
    await settled(emu)
    customer = await Customer.get(external_userid=ext)
    assert customer.lost and customer.lost_at is not None
    assert (await relation(ext, "zhangsan")).status == "lost"

    emu.actions.customer_adds_member("zhangsan", ext, state="回访")
    await settled(emu)
    assert not (await Customer.get(external_userid=ext)).lost
    rel = await relation(ext, "zhangsan")
    assert (rel.status, rel.ended_at, rel.state) == ("active", None, "回访")
    assert await history(ext) == [("added", "zhangsan"), ("lost", "zhangsan"), ("added", "zhangsan")]
    _, (again, *_) = await timeline.read(ext, types=(timeline.ADDED,))
    assert again.payload["again"] is True


async def test_staff_deleting_one_of_two_relations_leaves_the_customer_followed(mirror):
    emu = staffed(mirror)
    ext = emu.actions.customer_adds_member("zhangsan")["external_userid"]
    emu.actions.customer_adds_member("lisi", ext)
    await settled(emu)
    emu.actions.member_deletes_customer("lisi", ext)
    emu.actions.transfer_fails("lisi", ext, reason="customer_refused")
    await settled(emu)
    assert (await relation(ext, "lisi")).status == "deleted"
    assert (await relation(ext, "zhangsan")).status == "active"
    assert not (await Customer.get(external_userid=ext)).lost
    types = [t for t, _ in await history(ext)]
    assert types == ["added", "added", "deleted_by_staff", "transfer_failed"]


async def test_a_missed_add_callback_is_healed_by_the_next_event(mirror):
    emu = staffed(mirror)
    ext = emu.actions.customer_adds_member("zhangsan")["external_userid"]
    await settled(emu)
    # lisi's add never reaches us (dropped), but the customer's next event re-reads WeCom.
    emu.state.add_follow("lisi", ext)
    emu.actions.member_edits_customer("zhangsan", ext, remark="老客户")
    await settled(emu)
    assert (await relation(ext, "lisi")).status == "active"
    _, events = await timeline.read(ext, types=(timeline.ADDED,))
    assert {e.userid: e.payload.get("source") for e in events} == {"zhangsan": None, "lisi": "sync"}


async def test_the_timeline_is_paged_newest_first_and_filtered_by_type(mirror, emulator_clock):
    emu = staffed(mirror)
    ext = emu.actions.customer_adds_member("zhangsan")["external_userid"]
    await settled(emu)
    for n in range(5):
        emulator_clock.advance(1)
        emu.actions.member_edits_customer("zhangsan", ext, remark=f"备注{n}")
        await settled(emu)
    total, page = await timeline.read(ext, limit=2)
    assert total == 6 and [e.payload.get("remark") for e in page] == ["备注4", "备注3"]
    total, page = await timeline.read(ext, limit=2, offset=4)
    assert [e.type for e in page] == ["remark_changed", "added"]
    total, _ = await timeline.read(ext, types=(timeline.REMARK_CHANGED,))
    assert total == 5
