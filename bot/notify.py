"""Staff notifications: WeCom app messages rendered from templates/notify/ and sent through the client.

The client already retries WeCom's busy and frequency-limit answers with backoff; a send that still fails
stays on its reminder and is tried again on the next scheduler run, up to notify.max_attempts.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import jinja2

from bot.models import Reminder
from bot.services import followups, local_time
from bot.settings import Settings

log = logging.getLogger(__name__)

TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "notify"
# The sidebar's customer page: where a card's 详情 button leads.
SIDEBAR_CUSTOMER_PATH = "/sidebar/customers/{external_userid}"
# textcard limits in bytes (wecom-protocol.md §3.9); btntxt is at most 4 characters.
TITLE_BYTES, DESCRIPTION_BYTES = 128, 512
BUTTON = "详情"
# Longest excerpts tried, longest first, until the card fits WeCom's limits.
EXCERPTS = (200, 100, 40)
NAME_MAX = 20
# WeCom silently drops app messages to one member beyond 30 a minute (wecom-protocol.md §3.3); the
# rest of a burst waits for later runs, with room left for other notifications.
PER_MEMBER_PER_MINUTE = 25

_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    auto_reload=False,
)
_env.filters["local"] = local_time


class CardTooLong(ValueError):
    """A card WeCom would refuse (45002/40058) even with the shortest excerpt."""


def textcard(template: str, url: str, **context) -> dict[str, str]:
    """The title and description blocks of a template as a textcard leading to `url`."""
    t = _env.get_template(template)
    blocks = {name: "".join(t.blocks[name](t.new_context(context))) for name in ("title", "description")}
    # Lines are for reading the template; WeCom shows the divs as they come.
    card = {name: "".join(line.strip() for line in text.splitlines()) for name, text in blocks.items()}
    return {**card, "url": url, "btntxt": BUTTON}


def customer_url(settings: Settings, external_userid: str) -> str:
    return settings.public_url + SIDEBAR_CUSTOMER_PATH.format(external_userid=quote(external_userid, safe=""))


def reminder_card(reminder: Reminder, customer: str, settings: Settings) -> dict[str, str]:
    """The follow-up reminder card, with as much of the follow-up text as WeCom allows."""
    name = shorten(customer, NAME_MAX)
    for limit in EXCERPTS:
        card = textcard(
            "followup_reminder.j2",
            customer_url(settings, reminder.external_userid),
            customer=name,
            text=shorten(reminder.follow_up.text, limit),
            due_at=reminder.due_at,
            tz=settings.server.timezone,
        )
        if fits(card):
            return card
    raise CardTooLong(f"reminder {reminder.id}: the card exceeds WeCom's textcard limits")


async def send_textcard(wecom, userid: str, card: dict[str, str]) -> None:
    await wecom.send_message({"touser": userid, "msgtype": "textcard", "textcard": card})


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
    while claimed := await followups.claim_due_reminders(now, limit=batch):
        for reminder in claimed:
            userid = reminder.userid
            if userid not in sent_to:
                sent_to[userid] = await followups.sent_since(userid, now - timedelta(minutes=1))
            if sent_to[userid] >= PER_MEMBER_PER_MINUTE:
                await followups.release_reminder(reminder, now)
                outcome["deferred"] += 1
                continue
            status = await _send_reminder(wecom, settings, reminder, now)
            sent_to[userid] += status == Reminder.SENT
            outcome[status] += 1
    return outcome


async def _send_reminder(wecom, settings: Settings, reminder: Reminder, now: datetime) -> str:
    try:
        customer = await followups.customer_label(reminder.external_userid, reminder.userid)
        await send_textcard(wecom, reminder.userid, reminder_card(reminder, customer, settings))
    except Exception as exc:
        status = await followups.reminder_failed(reminder, str(exc), settings.notify.max_attempts, now)
        log.warning("reminder %s to %s: attempt %s failed (%s), now %s",
                    reminder.id, reminder.userid, reminder.attempts, exc, status)  # fmt: skip
        return status
    await followups.reminder_sent(reminder, now)
    return Reminder.SENT


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def fits(card: dict[str, str]) -> bool:
    return (
        len(card["title"].encode()) <= TITLE_BYTES and len(card["description"].encode()) <= DESCRIPTION_BYTES
    )
