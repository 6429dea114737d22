"""Follow-ups (跟进记录) staff log from the sidebar, with the reminders they ask for (reminders.py sends)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tortoise.transactions import in_transaction

from bot.contacts import timeline
from bot.contacts.directory import member_names
from bot.followups import stages
from bot.followups.models import FollowUp, Reminder
from bot.values import InvalidInput

TEXT_MAX = 500


class FollowUpError(InvalidInput):
    """A follow-up the service refuses."""


def clean_text(text: str) -> str:
    """The text as stored and counted: ends trimmed, and a form's CRLF line breaks as one character each
    (a browser submits a textarea's LF as CRLF, which would otherwise count every line break twice)."""
    return (text or "").replace("\r\n", "\n").strip()


async def log_follow_up(
    userid: str,
    external_userid: str,
    text: str,
    *,
    stage_id: int | None = None,
    remind_at: datetime | None = None,
    now: datetime | None = None,
) -> FollowUp:
    """Record a follow-up in the timeline, move the customer to `stage_id` for this staff member, and
    remind them at `remind_at` (an aware time in the future)."""
    now = now or datetime.now(UTC)
    text = clean_text(text)
    if not text:
        raise FollowUpError("text", "跟进内容不能为空。")
    if len(text) > TEXT_MAX:
        raise FollowUpError("text", f"跟进内容不能超过 {TEXT_MAX} 字（现在 {len(text)} 字）。")
    if remind_at is not None:
        if remind_at.tzinfo is None:
            raise FollowUpError("remind_at", "提醒时间缺少时区。")
        if remind_at <= now:
            raise FollowUpError("remind_at", "提醒时间必须晚于现在。")
    stage = await stages.live_stage(stage_id) if stage_id is not None else None
    await stages.require_relation(external_userid, userid)
    async with in_transaction():
        follow_up = await FollowUp.create(
            external_userid=external_userid,
            userid=userid,
            text=text,
            stage=stage,
            remind_at=remind_at,
            created_at=now,
        )
        if stage is not None:
            await stages.change_stage(external_userid, userid, stage, now)
        payload = {
            "follow_up_id": follow_up.id,
            "text": text,
            "stage": stage.name if stage else "",
            "remind_at": remind_at.astimezone(UTC).isoformat() if remind_at else "",
        }
        await timeline.record(external_userid, timeline.FOLLOW_UP, now, userid=userid, payload=payload)
        if remind_at is not None:
            await Reminder.create(
                follow_up=follow_up, userid=userid, external_userid=external_userid, due_at=remind_at
            )
    return follow_up


async def list_follow_ups(external_userid: str, limit: int = 20) -> list[dict[str, Any]]:
    """The customer's follow-ups by every staff member, newest first, with names and reminder states."""
    rows = (
        await FollowUp.filter(external_userid=external_userid)
        .order_by("-created_at", "-id")
        .limit(limit)
        .prefetch_related("stage", "reminders")
    )
    names = await member_names({r.userid for r in rows})
    return [
        {
            "id": r.id,
            "userid": r.userid,
            "staff_name": names.get(r.userid, r.userid),
            "text": r.text,
            "stage": r.stage.name if r.stage else "",
            "remind_at": r.remind_at,
            "reminder_status": r.reminders[0].status if r.reminders else "",
            "created_at": r.created_at,
        }
        for r in rows
    ]
