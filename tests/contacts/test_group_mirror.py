"""Customer groups: creation, joins and quits, renames, owner changes and dismissal reach the mirror."""

from datetime import UTC, datetime, timedelta

from bot.contacts import groups, timeline
from bot.contacts.models import GroupChat, GroupMembership
from tests.conftest import settled


def staffed(emulator):
    emulator.state.add_member("zhangsan", "张三")
    emulator.state.add_member("lisi", "李四")
    return emulator


async def in_group(chat_id: str) -> set[str]:
    return {m.member_id for m in await GroupMembership.filter(chat_id=chat_id, left_at__isnull=True)}


def in_emulator(emulator, chat_id: str) -> set[str]:
    return {m.userid for m in emulator.state.group_chats[chat_id].members}


async def test_a_group_and_its_members_are_mirrored_with_joins_and_quits(mirror, emulator_clock):
    emu = staffed(mirror)
    chat_id = emu.actions.group_created("zhangsan", name="VIP客户群", members=["lisi"])["chat_id"]
    await settled(emu)
    emulator_clock.advance(1)
    first = emu.actions.customer_joins_group(chat_id)["userid"]
    emulator_clock.advance(1)
    second = emu.actions.customer_joins_group(chat_id, join_scene=1, invitor="zhangsan")["userid"]
    await settled(emu)
    emulator_clock.advance(1)
    emu.actions.customer_leaves_group(chat_id, first)
    await settled(emu)

    chat = await GroupChat.get(chat_id=chat_id)
    assert (chat.name, chat.owner, chat.dismissed) == ("VIP客户群", "zhangsan", False)
    assert await in_group(chat_id) == in_emulator(emu, chat_id) == {"zhangsan", "lisi", second}
    stay = await GroupMembership.get(chat_id=chat_id, member_id=second)
    assert (stay.type, stay.join_scene, stay.invitor) == (2, 1, "zhangsan")
    now = datetime.now(UTC)
    assert await groups.day_counts(chat_id, now - timedelta(days=1), now + timedelta(days=1)) == (4, 1)
    _, events = await timeline.read(first)
    assert [e.type for e in events] == ["left_group", "joined_group"]
    assert events[0].payload == {"chat_id": chat_id, "name": "VIP客户群"}


async def test_a_customer_who_rejoins_gets_a_second_stay(mirror, emulator_clock):
    emu = staffed(mirror)
    chat_id = emu.actions.group_created("zhangsan", name="活动群")["chat_id"]
    ext = emu.actions.customer_joins_group(chat_id)["userid"]
    await settled(emu)
    emulator_clock.advance(1)
    emu.actions.customer_leaves_group(chat_id, ext)
    await settled(emu)
    emulator_clock.advance(1)
    emu.actions.customer_joins_group(chat_id, ext)
    await settled(emu)
    stays = await GroupMembership.filter(chat_id=chat_id, member_id=ext).order_by("id")
    assert [s.left_at is None for s in stays] == [False, True]


async def test_renames_notices_owner_changes_and_dismissal(mirror, emulator_clock):
    emu = staffed(mirror)
    chat_id = emu.actions.group_created("zhangsan", name="旧名字")["chat_id"]
    ext = emu.actions.customer_joins_group(chat_id)["userid"]
    await settled(emu)
    emulator_clock.advance(1)
    emu.actions.group_renamed(chat_id, "新名字")
    emu.actions.group_notice_changed(chat_id, "文明沟通")
    emu.actions.group_owner_changed(chat_id, "lisi")
    await settled(emu)
    chat = await GroupChat.get(chat_id=chat_id)
    assert (chat.name, chat.notice, chat.owner) == ("新名字", "文明沟通", "lisi")

    emu.actions.group_dismissed(chat_id)
    await settled(emu)
    chat = await GroupChat.get(chat_id=chat_id)
    assert chat.dismissed and chat.dismissed_at is not None
    assert await in_group(chat_id) == set(), "everyone left when the group was dismissed"
    _, (left, *_) = await timeline.read(ext)
    assert left.type == "left_group"
