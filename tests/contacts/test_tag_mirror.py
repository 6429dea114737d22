"""Corp tags: admins' edits in the WeCom console reach the mirror through callbacks, and sync repairs it."""

from tortoise.transactions import in_transaction

from bot.contacts import customers, tags, timeline
from bot.contacts.models import FollowRelation, Tag, TagGroup
from bot.inbox import writer as inbox
from tests.conftest import settled
from tests.emulator_fixtures import make_client


async def mirrored() -> list[tuple[str, int, list[tuple[str, int]]]]:
    """Groups by name (WeCom leaves the order of equal-order groups open), tags in their listed order."""
    groups = [(g.name, g.order, [(t.name, t.order) for t in g.live_tags]) for g in await tags.list_groups()]
    return sorted(groups)


def in_emulator(emulator) -> list[tuple[str, int, list[tuple[str, int]]]]:
    state = emulator.state
    out = []
    for g in state.live_groups():
        live = sorted(state.tags_of_group(g.group_id), key=lambda t: (-t.order, t.create_time, t.id))
        out.append((g.group_name, g.order, [(t.name, t.order) for t in live]))
    return sorted(out)


async def test_tags_created_in_the_console_appear_in_order(mirror):
    mirror.actions.admin_creates_tag("A类客户", group_name="客户等级", order=3)
    mirror.actions.admin_creates_tag("B类客户", group_name="客户等级", order=2)
    mirror.actions.admin_creates_tag("老客户", group_name="来源", order=1)
    await settled(mirror)
    assert await mirrored() == in_emulator(mirror)
    assert ("客户等级", 0, [("A类客户", 3), ("B类客户", 2)]) in await mirrored()


async def test_renames_reorders_and_deletions_follow_the_console(mirror):
    a = mirror.actions.admin_creates_tag("A类客户", group_name="客户等级", order=3)
    b = mirror.actions.admin_creates_tag("B类客户", group_name="客户等级", order=2)
    gone = mirror.actions.admin_creates_tag("待删除", group_name="客户等级", order=1)
    other = mirror.actions.admin_creates_tag("展会", group_name="来源")
    await settled(mirror)

    mirror.actions.admin_updates_tag(a["tag_id"], name="重点客户")
    mirror.actions.admin_updates_tag(a["group_id"], order=9)
    mirror.actions.admin_shuffles_tags(a["group_id"], order=[b["tag_id"], a["tag_id"], gone["tag_id"]])
    mirror.actions.admin_deletes_tag(gone["tag_id"])
    mirror.actions.admin_deletes_tag(other["group_id"])
    await settled(mirror)

    assert await mirrored() == in_emulator(mirror) == [("客户等级", 9, [("B类客户", 3), ("重点客户", 2)])]
    assert (await Tag.get(tag_id=gone["tag_id"])).deleted, "a deleted tag is kept, marked deleted"
    assert (await TagGroup.get(group_id=other["group_id"])).deleted


async def test_a_burst_of_events_that_differ_only_in_id_is_applied_whole(mirror, emulator_clock):
    first = mirror.actions.admin_creates_tag("标签0", group_name="批量")
    for n in range(1, 8):  # the same second, the same kind of event: only <Id> tells them apart
        mirror.actions.admin_creates_tag(f"标签{n}", group_id=first["group_id"])
    await settled(mirror)
    stored = await inbox.list_events(("done",), limit=100)
    assert len({row.create_time for row in stored}) == 1 and len(stored) == 8
    (group,) = await mirrored()
    names = [name for name, _ in group[2]]
    assert sorted(names) == [f"标签{n}" for n in range(8)]


async def test_full_sync_builds_the_mirror_without_callbacks_and_repeats_nothing(
    live_database, emulator, emulator_server, wecom_session, corp
):
    emulator.state.add_tag_group("客户等级", ["A类", "B类", "C类"], order=2)
    emulator.state.add_tag_group("兴趣", ["理财", "保险"], order=1)
    client = make_client(wecom_session, emulator_server, corp)
    first = await tags.sync_tags(client)
    assert (first.created, first.updated, first.deleted) == (7, 0, 0)
    assert await mirrored() == in_emulator(emulator)
    again = await tags.sync_tags(client)
    assert again.changed == 0


async def test_a_deleted_tag_leaves_every_customer_at_once_and_searching_by_it_is_refused(company):
    a, b = company.tags["A"], company.tags["B"]
    company.emulator.actions.admin_deletes_tag(a)
    await settled(company.emulator)
    _, listed = await company.get("/api/v1/tags")
    assert [(g["name"], [t["name"] for t in g["tags"]]) for g in listed["groups"]] == [("客户等级", ["B类"])]
    # c1 carried A, c3 A and B: neither shows A any more, under any name.
    _, c1 = await company.get(f"/api/v1/customers/{company.ids['c1']}")
    _, c3 = await company.get(f"/api/v1/customers/{company.ids['c3']}")
    assert (c1["relations"][0]["tags"], [t["name"] for t in c3["relations"][0]["tags"]]) == ([], ["B类"])
    status, body = await company.get("/api/v1/customers", tags=a)
    assert (status, body["param"]) == (400, "tags")

    # Deleting the group deletes its tags: they leave their customers too.
    company.emulator.actions.admin_deletes_tag(company.emulator.state.tags[b].group_id)
    await settled(company.emulator)
    assert await FollowRelation.filter(tag_ids__not=[]).count() == 0
    status, _ = await company.get("/api/v1/customers", tags=b)
    assert status == 400


async def test_an_answer_read_before_a_tag_was_deleted_does_not_put_it_back(mirror, wecom_client):
    """A sync reads its next page ahead while it applies the last: the page may predate the deletion."""
    mirror.state.add_member("zhangsan", "张三")
    act = mirror.actions
    gone = act.admin_creates_tag("展会", group_name="来源")["tag_id"]
    kept = act.admin_creates_tag("官网", group_name="来源")["tag_id"]
    ext = act.customer_adds_member("zhangsan")["external_userid"]
    await settled(mirror)
    act.member_edits_customer("zhangsan", ext, add_tags=[gone, kept])
    await settled(mirror)
    page = await wecom_client.batch_get_by_user(["zhangsan"])
    act.admin_deletes_tag(gone)
    await settled(mirror)
    async with in_transaction():
        await customers.apply_page(page["external_contact_list"])
    assert (await FollowRelation.get(customer_id=ext)).tag_ids == [kept]
    _, added = await timeline.read(ext, types=(timeline.TAGS_ADDED,))
    assert [e.payload["tag_ids"] for e in added] == [[gone, kept]], "no second tags_added for the deleted tag"
