"""Follow-up reminders: a row waiting for its time, so it survives restarts. The scheduler's job claims the
due ones and sends each as a WeCom app message. A claim is an UPDATE guarded by the status and the attempt
count it read: of two processes claiming one reminder, exactly one changes the row.

The client already retries WeCom's busy and frequency-limit answers with backoff; a send that still fails
stays on its reminder and is tried again on the next scheduler run, up to notify.max_attempts.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import UTC, datetime, timedelta

from tortoise.expressions import F, Q
from tortoise.transactions import in_transaction

from bot import notify
from bot.contacts import timeline
from bot.contacts.customers import customer_label
from bot.followups.models import Reminder
from bot.notify import CardTooLong, fits, shorten, textcard
from bot.settings import Settings

log = logging.getLogger(__name__)

# A claimed reminder whose sender died is claimed again after this long. A send is one API call with the
# client's own retries and a 10 s timeout per try: well under the lease.
SEND_LEASE = timedelta(minutes=2)


def reminder_card(reminder: Reminder, customer: str, settings: Settings) -> dict[str, str]:
    """The follow-up reminder card, with as much of the follow-up text as WeCom allows."""
    name = shorten(customer, notify.NAME_MAX)
    for limit in notify.EXCERPTS:
        card = textcard(
            "followup_reminder.j2",
            notify.customer_url(settings, reminder.external_userid),
            customer=name,
            text=shorten(reminder.follow_up.text, limit),
            due_at=reminder.due_at,
            tz=settings.server.timezone,
        )
        if fits(card):
            return card
    raise CardTooLong(f"reminder {reminder.id}: the card exceeds WeCom's textcard limits")


async def send_due_reminders(
    wecom, settings: Settings, *, now: datetime | None = None, batch: int = 50
) -> Counter[str]:
    """Send every reminder due at `now` that no other process holds, `batch` claims at a time (a backlog
    after downtime goes out in one run, as far as WeCom's per-member pace allows); returns counts by
    outcome: sent, pending (failed, tried again later), failed (for good), deferred (the member's minute
    is full)."""
    now = now or datetime.now(UTC)
    outcome: Counter[str] = Counter()
    sent_to: dict[str, int] = {}  # userid -> reminders sent to them in the last minute
    # A failed or deferred reminder is not claimable again before a later `now`: this loop ends.
    while claimed := await claim_due_reminders(now, limit=batch):
        for reminder in claimed:
            userid = reminder.userid
            if userid not in sent_to:
                sent_to[userid] = await sent_since(userid, now - timedelta(minutes=1))
            if sent_to[userid] >= notify.PER_MEMBER_PER_MINUTE:
                await release_reminder(reminder, now)
                outcome["deferred"] += 1
                continue
            status = await _send_reminder(wecom, settings, reminder, now)
            sent_to[userid] += status == Reminder.SENT
            outcome[status] += 1
    return outcome


async def _send_reminder(wecom, settings: Settings, reminder: Reminder, now: datetime) -> str:
    try:
        customer = await customer_label(reminder.external_userid, reminder.userid)
        await notify.send_textcard(wecom, reminder.userid, reminder_card(reminder, customer, settings))
    except Exception as exc:
        status = await reminder_failed(reminder, str(exc), settings.notify.max_attempts, now)
        log.warning("reminder %s to %s: attempt %s failed (%s), now %s",
                    reminder.id, reminder.userid, reminder.attempts, exc, status)  # fmt: skip
        return status
    await reminder_sent(reminder, now)
    return Reminder.SENT


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
