"""WeCom's callbacks arrive late and out of order, and its API lists a relation the customer left like a live
one: a relation's status follows the newest fact, whichever order callbacks and syncs bring them in; edits
reach lost relations; what a read of WeCom reveals is dated by WeCom's own time."""

from contextlib import contextmanager

from tortoise import connections
from tortoise.migrations.executor import MigrationExecutor, MigrationTarget

from bot.contacts import sync, timeline
from bot.contacts.models import Customer, FollowRelation
from bot.store import db
from bot.values import from_epoch
from tests.conftest import settled

DAY = 86400


def staffed(emulator):
    emulator.state.add_member("zhangsan", "张三")
    return emulator


@contextmanager
def held_back(emulator):
    """What happens inside changes WeCom's state at once, but its callbacks are kept to be delivered late."""
    late: list[str] = []
    emulator.callbacks.send = late.append
    try:
        yield late
    finally:
        del emulator.callbacks.send


async def deliver(emulator, late: list[str]) -> None:
    for event in late:
        emulator.callbacks.send(event)
    await settled(emulator)


async def status(external_userid: str) -> tuple[str, bool]:
    relation = await FollowRelation.get(customer_id=external_userid, userid="zhangsan")
    return relation.status, (await Customer.get(external_userid=external_userid)).lost


async def history(external_userid: str) -> list[tuple[str, int]]:
    _, events = await timeline.read(external_userid, limit=100)
    return [(e.type, int(e.occurred_at.timestamp())) for e in reversed(events)]


async def test_a_late_add_callback_does_not_bring_back_a_customer_who_left(
    mirror, emulator_clock, wecom_client
):
    emu = staffed(mirror)
    with held_back(emu) as late:
        ext = emu.actions.customer_adds_member("zhangsan", state="官网")["external_userid"]
    added = emu.state.now()
    emulator_clock.advance(2)
    emu.actions.customer_deletes_member("zhangsan", ext)
    await settled(emu)
    await deliver(emu, late)
    assert await status(ext) == ("lost", True)
    assert await history(ext) == [("added", added), ("lost", added + 2)]
    # WeCom's API still lists the relation, added before the customer left: a sync keeps it lost.
    await sync.run_sync(wecom_client)
    assert await status(ext) == ("lost", True)


async def test_a_late_del_follow_user_does_not_end_a_relation_added_again_after_it(mirror, emulator_clock):
    emu = staffed(mirror)
    ext = emu.actions.customer_adds_member("zhangsan")["external_userid"]
    await settled(emu)
    emulator_clock.advance(1)
    with held_back(emu) as late:
        emu.actions.customer_deletes_member("zhangsan", ext)
    emulator_clock.advance(2)
    emu.actions.customer_adds_member("zhangsan", ext, state="回访")
    await settled(emu)
    await deliver(emu, late)
    assert await status(ext) == ("active", False)


async def test_a_re_add_whose_callback_was_lost_is_found_by_sync_and_dated_when_it_happened(
    mirror, emulator_clock, wecom_client
):
    emu = staffed(mirror)
    ext = emu.actions.customer_adds_member("zhangsan")["external_userid"]
    await settled(emu)
    emulator_clock.advance(1)
    emu.actions.customer_deletes_member("zhangsan", ext)
    await settled(emu)
    emulator_clock.advance(DAY)
    emu.callbacks.drop_rate = 1.0  # WeCom loses the re-add
    emu.actions.customer_adds_member("zhangsan", ext, state="回访")
    emu.callbacks.drop_rate = 0.0
    readded = emu.state.now()
    emulator_clock.advance(DAY)  # the sync runs a day later
    await sync.run_sync(wecom_client)
    # WeCom's createtime is newer than the loss: the relation was added again since.
    assert await status(ext) == ("active", False)
    _, (again, *_) = await timeline.read(ext, types=(timeline.ADDED,))
    assert (int(again.occurred_at.timestamp()), again.payload["again"]) == (readded, True)
    assert (again.payload["state"], again.payload["source"]) == ("回访", "sync")


async def test_staff_still_edit_a_customer_who_left_them_and_the_mirror_follows(
    mirror, emulator_clock, wecom_client
):
    emu = staffed(mirror)
    vip = emu.actions.admin_creates_tag("重要", group_name="等级")["tag_id"]
    ext = emu.actions.customer_adds_member("zhangsan")["external_userid"]
    await settled(emu)
    emulator_clock.advance(1)
    emu.actions.customer_deletes_member("zhangsan", ext)
    await settled(emu)
    emulator_clock.advance(1)
    emu.actions.member_edits_customer("zhangsan", ext, remark="已删我的老客户", add_tags=[vip])
    await settled(emu)
    relation = await FollowRelation.get(customer_id=ext, userid="zhangsan")
    assert (relation.status, relation.remark, relation.tag_ids) == ("lost", "已删我的老客户", [vip])
    assert [t for t, _ in await history(ext)] == ["added", "lost", "remark_changed", "tags_added"]

    # The next edit's callback is lost: the sync brings it, and the relation stays lost.
    emulator_clock.advance(1)
    emu.callbacks.drop_rate = 1.0
    emu.actions.member_edits_customer("zhangsan", ext, description="去年签约", remove_tags=[vip])
    emu.callbacks.drop_rate = 0.0
    await sync.run_sync(wecom_client)
    relation = await FollowRelation.get(customer_id=ext, userid="zhangsan")
    assert (relation.status, relation.description, relation.tag_ids) == ("lost", "去年签约", [])


async def test_a_customer_found_by_sync_is_dated_by_when_they_were_added_in_wecom(
    live_database, emulator, wecom_client
):
    staffed(emulator)
    months_ago = emulator.state.now() - 90 * DAY
    customer = emulator.state.add_customer(
        "老客户", follow=[{"userid": "zhangsan", "createtime": months_ago}]
    )
    await sync.run_sync(wecom_client)
    _, (added,) = await timeline.read(customer.external_userid)
    assert (added.type, added.occurred_at, added.payload["source"]) == (
        "added",
        from_epoch(months_ago),
        "sync",
    )


async def test_a_relation_a_callback_reveals_is_dated_by_when_it_was_added(mirror, emulator_clock):
    emu = staffed(mirror)
    emu.state.add_member("lisi", "李四")
    ext = emu.actions.customer_adds_member("zhangsan")["external_userid"]
    await settled(emu)
    # lisi's add a week ago never reached us; zhangsan's edit today re-reads the customer.
    week_ago = emu.state.now() - 7 * DAY
    emu.state.add_follow("lisi", ext, createtime=week_ago)
    emulator_clock.advance(1)
    emu.actions.member_edits_customer("zhangsan", ext, remark="老客户")
    await settled(emu)
    _, events = await timeline.read(ext, types=(timeline.ADDED,))
    found = next(e for e in events if e.userid == "lisi")
    assert found.occurred_at == from_epoch(week_ago)
    assert (await Customer.get(external_userid=ext)).first_added_at == from_epoch(week_ago)


async def test_a_mirror_from_before_the_upgrade_keeps_its_lost_customers_lost(
    settings, emulator, wecom_client
):
    """Relations mirrored before statuses were dated get the time of their last change from the migration;
    without it the next sync, which lists a lost relation like a live one, would make it active again."""
    staffed(emulator)
    added = emulator.state.now() - 30 * DAY
    emulator.state.add_customer(
        "老客户", external_userid="wmOld", follow=[{"userid": "zhangsan", "createtime": added}]
    )
    emulator.state.follows[("zhangsan", "wmOld")].lost = True
    await db.open_db(settings, migrate=False)
    try:
        executor = MigrationExecutor(connections.get("default"), {db.APP: dict(db.MODELS_APP)})
        await executor.migrate([MigrationTarget(db.APP, "0010_radar_tracking")])
        when, left = from_epoch(added).isoformat(), from_epoch(added + DAY).isoformat()
        for sql in (
            "INSERT INTO customer (external_userid, name, avatar, type, gender, unionid, corp_name,"
            " corp_full_name, position, lost, lost_at, first_added_at, synced_at)"
            f" VALUES ('wmOld', '老客户', '', 1, 0, '', '', '', '', TRUE, '{left}', '{when}', '{left}')",
            "INSERT INTO follow_relation (customer_id, userid, remark, description, remark_corp_name,"
            " remark_mobiles, add_time, add_way, state, oper_userid, tag_ids, status, ended_at, synced_at)"
            f" VALUES ('wmOld', 'zhangsan', '', '', '', '[]', '{when}', 1, '', 'zhangsan', '[]', 'lost',"
            f" '{left}', '{left}')",
        ):
            await connections.get("default").execute_script(sql)
        await db.apply_migrations()
        await sync.run_sync(wecom_client)
        assert await status("wmOld") == ("lost", True)
    finally:
        await db.close_db()
