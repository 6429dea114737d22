"""Customer groups and who is in them, mirrored from groupchat/get, with joins and quits kept by time."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Any

from bot.contacts import timeline
from bot.contacts.models import GroupChat, GroupMembership, TimelineEvent
from bot.values import from_epoch
from bot.wecom.errors import InvalidParameter


async def fetch_group(wecom, chat_id: str) -> dict[str, Any] | None:
    """The group as WeCom has it now, or None when WeCom no longer knows it (dismissed)."""
    try:
        return (await wecom.groupchat_get(chat_id, need_name=True)).get("group_chat")
    except InvalidParameter:
        return None


async def apply_group(
    chat_id: str, data: dict[str, Any] | None, occurred_at: datetime | None = None
) -> Counter[str]:
    """Bring one group and its memberships in line with WeCom; a vanished group counts as dismissed.
    Returns what changed."""
    now = datetime.now(UTC)
    when = occurred_at or now
    changes: Counter[str] = Counter()
    chat = await GroupChat.get_or_none(chat_id=chat_id)
    if data is None:
        if chat is not None and not chat.dismissed:
            chat.dismissed, chat.dismissed_at, chat.synced_at = True, when, now
            await chat.save()
            changes["groups_dismissed"] += 1
            changes["group_quits"] += await _close_stays(chat, await _open_stays(chat_id), when)
        return changes
    values = {
        "name": data.get("name", ""),
        "owner": data.get("owner", ""),
        "notice": data.get("notice", ""),
        "admins": [a["userid"] for a in data.get("admin_list", [])],
        "create_time": from_epoch(data.get("create_time")),
        "member_version": data.get("member_version", ""),
        "dismissed": False,
        "dismissed_at": None,
    }
    if chat is None:
        chat = await GroupChat.create(chat_id=chat_id, synced_at=now, **values)
        changes["groups_added"] += 1
    else:
        if any(getattr(chat, k) != v for k, v in values.items()):
            changes["groups_updated"] += 1
        chat.update_from_dict({**values, "synced_at": now})
        await chat.save()
    listed = {m["userid"]: m for m in data.get("member_list", [])}
    open_stays = await _open_stays(chat_id)
    stays, events = [], []
    for member_id, member in listed.items():
        if member_id in open_stays:
            continue
        joined = from_epoch(member.get("join_time")) or when
        kind, scene = int(member.get("type", 2)), int(member.get("join_scene", 0))
        stays.append(
            GroupMembership(
                chat=chat,
                member_id=member_id,
                type=kind,
                join_time=joined,
                join_scene=scene,
                invitor=(member.get("invitor") or {}).get("userid", ""),
                nickname=member.get("group_nickname", "") or member.get("name", ""),
            )
        )
        if kind == 2:
            payload = {"chat_id": chat_id, "name": chat.name, "join_scene": scene}
            events.append(
                timeline.entry(member_id, timeline.JOINED_GROUP, joined, userid=chat.owner, payload=payload)
            )
    if stays:
        await GroupMembership.bulk_create(stays)
        await TimelineEvent.bulk_create(events)
        changes["group_joins"] += len(stays)
    gone = {k: v for k, v in open_stays.items() if k not in listed}
    changes["group_quits"] += await _close_stays(chat, gone, when)
    return changes


async def _open_stays(chat_id: str) -> dict[str, GroupMembership]:
    return {m.member_id: m for m in await GroupMembership.filter(chat_id=chat_id, left_at__isnull=True)}


async def _close_stays(chat: GroupChat, stays: dict[str, GroupMembership], when: datetime) -> int:
    if not stays:
        return 0
    await GroupMembership.filter(id__in=[s.id for s in stays.values()]).update(left_at=when)
    payload = {"chat_id": chat.chat_id, "name": chat.name}
    customers = [s.member_id for s in stays.values() if s.type == 2]
    if customers:
        await TimelineEvent.bulk_create(
            [timeline.entry(ext, timeline.LEFT_GROUP, when, payload=payload) for ext in customers]
        )
    return len(stays)


async def day_counts(chat_id: str, day_start: datetime, day_end: datetime) -> tuple[int, int]:
    """(joins, quits) of a group between two instants, e.g. today in Asia/Shanghai."""
    joins = await GroupMembership.filter(
        chat_id=chat_id, join_time__gte=day_start, join_time__lt=day_end
    ).count()
    quits = await GroupMembership.filter(chat_id=chat_id, left_at__gte=day_start, left_at__lt=day_end).count()
    return joins, quits
