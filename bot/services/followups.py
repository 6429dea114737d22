"""Follow-ups (跟进记录) staff log from the sidebar, and the reminders they ask for.

A reminder is a row waiting for its time, so it survives restarts. The scheduler's job (bot.notify) claims
the due ones, sends them and reports the outcome here. A claim is an UPDATE guarded by the status and the
attempt count it read: of two processes claiming one reminder, exactly one changes the row.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.expressions import F, Q
from tortoise.transactions import in_transaction

from bot.models import Customer, FollowRelation, FollowUp, Reminder
from bot.services import InvalidInput, stages, timeline
from bot.services.directory import member_names

TEXT_MAX = 500
# A claimed reminder whose sender died is claimed again after this long. A send is one API call with the
# client's own retries and a 10 s timeout per try: well under the lease.
SEND_LEASE = timedelta(minutes=2)


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


async def claim_due_reminders(now: datetime, limit: int = 50) -> list[Reminder]:
    """Due reminders this caller now owns (status sending, attempts counted), oldest first; empty only when
    nothing claimable is due. Includes claims whose lease ran out, so a reminder held by a process that
    died is sent after all."""
    while True:
        due = (
            await Reminder.filter(status__in=(Reminder.PENDING, Reminder.SENDING), due_at__lte=now)
            .filter(Q(lease_until=None) | Q(lease_until__lt=now))
            .order_by("due_at", "id")
            .limit(limit)
            .prefetch_related("follow_up")
        )
        if not due:
            return []
        claimed = []
        for reminder in due:
            won = await Reminder.filter(
                id=reminder.id, status=reminder.status, attempts=reminder.attempts
            ).update(status=Reminder.SENDING, attempts=F("attempts") + 1, lease_until=now + SEND_LEASE)
            if won:
                reminder.status, reminder.attempts = Reminder.SENDING, reminder.attempts + 1
                claimed.append(reminder)
        # A sender racing us took all of these; what it took is no longer claimable, so look again.
        if claimed:
            return claimed


async def reminder_sent(reminder: Reminder, now: datetime) -> None:
    """The message went out: mark it sent and say so in the customer's timeline."""
    async with in_transaction():
        updated = await Reminder.filter(
            id=reminder.id, status=Reminder.SENDING, attempts=reminder.attempts
        ).update(status=Reminder.SENT, sent_at=now, lease_until=None, last_error="")
        if updated:
            payload = {"follow_up_id": reminder.follow_up_id, "text": reminder.follow_up.text}
            await timeline.record(
                reminder.external_userid, timeline.REMINDER_SENT, now, userid=reminder.userid, payload=payload
            )


async def reminder_failed(reminder: Reminder, error: str, max_attempts: int, now: datetime) -> str:
    """The send failed: pending again for a run after `now` (not this one), or failed for good after
    max_attempts; returns the new status."""
    status = Reminder.FAILED if reminder.attempts >= max_attempts else Reminder.PENDING
    await Reminder.filter(id=reminder.id, status=Reminder.SENDING, attempts=reminder.attempts).update(
        status=status, lease_until=now, last_error=error[:2000]
    )
    return status


async def release_reminder(reminder: Reminder, now: datetime) -> None:
    """Hand a claimed reminder back unsent and uncounted, for a run after `now`."""
    await Reminder.filter(id=reminder.id, status=Reminder.SENDING, attempts=reminder.attempts).update(
        status=Reminder.PENDING, attempts=F("attempts") - 1, lease_until=now
    )


async def sent_since(userid: str, since: datetime) -> int:
    """Reminders sent to a staff member after `since`."""
    return await Reminder.filter(userid=userid, status=Reminder.SENT, sent_at__gt=since).count()


async def customer_label(external_userid: str, userid: str) -> str:
    """The customer's WeChat name, after the staff member's remark when they gave one: 老客户（孙悟空）.
    A customer the staff member does not follow goes by their name alone."""
    relation = await FollowRelation.get_or_none(customer_id=external_userid, userid=userid).prefetch_related(
        "customer"
    )
    if relation is None:
        customer = await Customer.get_or_none(external_userid=external_userid)
        return customer.name if customer and customer.name else external_userid
    name = relation.customer.name or external_userid
    return f"{relation.remark}（{name}）" if relation.remark and relation.remark != name else name
