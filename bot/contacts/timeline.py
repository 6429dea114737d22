"""The customer timeline: one append-only list of typed events, written by every feature, read paged."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.contacts.models import TimelineEvent

ADDED = "added"  # a staff member added the customer (payload: channel state, add_way; again on a re-add)
LOST = "lost"  # the customer deleted the staff member (已流失)
DELETED_BY_STAFF = "deleted_by_staff"  # the staff member deleted the customer
REMARK_CHANGED = "remark_changed"
TAGS_ADDED = "tags_added"
TAGS_REMOVED = "tags_removed"
TRANSFER_FAILED = "transfer_failed"
JOINED_GROUP = "joined_group"  # payload: chat_id, group name, join scene
LEFT_GROUP = "left_group"
FOLLOW_UP = "follow_up"  # a follow-up was logged (payload: follow_up_id, text, stage, remind_at ISO)
STAGE_CHANGED = "stage_changed"  # a staff member moved the customer to a stage (payload: old, new names)
REMINDER_SENT = "reminder_sent"  # the reminder reached the staff member (payload: follow_up_id, text)
# radar events (payload: radar_id, radar title, visit_id, level; read adds progress, shared adds shares)
RADAR_OPENED = "radar_opened"  # the customer first opened a radar
RADAR_READ = "radar_read"  # the customer read 80 % of it
RADAR_SHARED = "radar_shared"  # the customer shared it on

TYPES = (
    ADDED, LOST, DELETED_BY_STAFF, REMARK_CHANGED, TAGS_ADDED, TAGS_REMOVED, TRANSFER_FAILED, JOINED_GROUP,
    LEFT_GROUP, FOLLOW_UP, STAGE_CHANGED, REMINDER_SENT, RADAR_OPENED, RADAR_READ, RADAR_SHARED,
)  # fmt: skip


def entry(
    external_userid: str,
    type: str,
    occurred_at: datetime,
    *,
    userid: str = "",
    payload: dict[str, Any] | None = None,
) -> TimelineEvent:
    """An unsaved event, for writers that insert many at once (bulk_create keeps their order)."""
    return TimelineEvent(
        external_userid=external_userid,
        userid=userid,
        occurred_at=occurred_at,
        type=type,
        payload=payload or {},
    )


async def record(
    external_userid: str,
    type: str,
    occurred_at: datetime,
    *,
    userid: str = "",
    payload: dict[str, Any] | None = None,
) -> TimelineEvent:
    event = entry(external_userid, type, occurred_at, userid=userid, payload=payload)
    await event.save()
    return event


async def read(
    external_userid: str, *, types: tuple[str, ...] = (), limit: int = 20, offset: int = 0
) -> tuple[int, list[TimelineEvent]]:
    """A customer's events, newest first, optionally of some types only; returns (total, page)."""
    query = TimelineEvent.filter(external_userid=external_userid)
    if types:
        query = query.filter(type__in=types)
    total = await query.count()
    page = await query.order_by("-occurred_at", "-id").offset(offset).limit(limit)
    return total, page
