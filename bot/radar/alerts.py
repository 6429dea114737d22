"""The scheduler's side of radar visits: mark the queued auto-tags through WeCom and tell each staff member,
in one app message per run, which customers opened which radars.

Queued alerts are rows (bot.radar.effects writes them), so a restart loses none. A run claims
them the way follow-up reminders are claimed: an UPDATE guarded by the status and the attempt count it
read, with a lease, so of two processes exactly one works on an alert, and an alert whose process died is
taken again once its lease runs out.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tortoise import connections
from tortoise.expressions import F, Q
from tortoise.transactions import in_transaction

from bot import notify
from bot.contacts import edits as customer_edits
from bot.contacts.customers import customer_label
from bot.contacts.models import FollowRelation, Tag
from bot.radar.models import Radar, RadarAlert
from bot.settings import Settings
from bot.store.db import is_postgres_connection
from bot.values import spoken_duration

log = logging.getLogger(__name__)

# Tagging is a mark_tag and a re-read of the customer, sending one call: each with the client's retries and
# a 10 s timeout per try, well under the lease.
LEASE = timedelta(minutes=2)
# A failed alert waits 15 s, 30 s, 1 min ... (at most 15 min) before its next try.
RETRY_BASE, RETRY_MAX = timedelta(seconds=15), timedelta(minutes=15)
# WeCom silently drops app messages to one member beyond 30 a minute (wecom-protocol.md §3.3). Reminders
# take up to notify.PER_MEMBER_PER_MINUTE of them; radar alerts merge into at most this many, one a run.
PER_MEMBER_PER_MINUTE = 30 - notify.PER_MEMBER_PER_MINUTE
TITLE_MAX = 30  # characters of a radar title in a message line
# The sidebar's page of one visit (bot/radar/visit_card.py), where a card's 详情 leads: its recipient may
# open it whoever's customer the visitor is, unlike the customer page, which follows the customer scope.
VISIT_PAGE = "/sidebar/radar/visits/{visit_id}"


@dataclass
class _Work:
    """A claimed alert and what this run did with it."""

    alert: RadarAlert
    tagged: bool = False
    messaged: bool = False
    deferred: bool = False  # its message waits for a later run (the member's minute is full)
    error: str = ""


async def flush(wecom, settings: Settings, now: datetime | None = None, *, batch: int = 200) -> Counter[str]:
    """Work through every queued alert no other process holds: mark its tags, then send each staff member
    one message with all their customers' visits. Returns counts by outcome: sent, pending (failed, tried
    again after a backoff), failed (for good), deferred (the member's minute is full)."""
    now = now or datetime.now(UTC)
    outcome: Counter[str] = Counter()
    messaged: set[str] = set()
    # Whatever this run hands back is not claimable again before a later `now`: this loop ends.
    while claimed := await claim(now, limit=batch):
        work = [_Work(alert) for alert in claimed]
        for item in work:
            if item.alert.tag_ids:
                await _mark_tags(wecom, item)
        by_member: dict[str, list[_Work]] = defaultdict(list)
        for item in work:
            if item.alert.notify and item.alert.sent_at is None:
                by_member[item.alert.userid].append(item)
        for userid, items in by_member.items():
            sent = await messages_since(userid, now - timedelta(minutes=1))
            if userid in messaged or sent >= PER_MEMBER_PER_MINUTE:
                for item in items:
                    item.deferred = True
                continue
            # Visits a card has no room for wait for the next run, unless this is the member's last
            # message of the minute: then the card counts them instead of naming them.
            await _send(wecom, settings, userid, items, last=sent + 1 >= PER_MEMBER_PER_MINUTE)
            messaged.add(userid)
        for item in work:
            outcome[await _settle(item, settings.notify.max_attempts, now)] += 1
    return outcome


async def claim(now: datetime, limit: int = 200) -> list[RadarAlert]:
    """Queued alerts this caller now owns (status sending, attempts counted), oldest first; empty only when
    nothing is claimable. A staff member's claimable alerts are taken together or not at all, so two
    processes never split one member's burst into two messages."""
    while True:
        due = await _claimable(now).order_by("created_at", "id").limit(limit).values_list("userid", flat=True)
        if not due:
            return []
        claimed: list[RadarAlert] = []
        for userid in dict.fromkeys(due):
            claimed += await _claim_member(userid, now, limit - len(claimed))
            if len(claimed) >= limit:
                break
        # A process racing us took all of these; what it took is no longer claimable, so look again.
        if claimed:
            return claimed


def _claimable(now: datetime):
    return RadarAlert.filter(
        Q(status__in=(RadarAlert.PENDING, RadarAlert.SENDING), created_at__lte=now)
        & (Q(lease_until=None) | Q(lease_until__lt=now))
    )


class _Taken(Exception):
    """Another process claimed one of a member's alerts first: leave the member to it."""


async def _claim_member(userid: str, now: datetime, limit: int) -> list[RadarAlert]:
    """One member's claimable alerts, in one transaction: on PostgreSQL the rows are locked as they are read
    (a racing process waits, then finds them leased); on SQLite the first update holds the write lock, so a
    racing process's conditional updates find the rows changed and it rolls back."""
    try:
        async with in_transaction():
            query = _claimable(now).filter(userid=userid).order_by("created_at", "id").limit(max(limit, 1))
            if is_postgres_connection(connections.get("default")):
                query = query.select_for_update()
            alerts = await query
            for alert in alerts:
                won = await RadarAlert.filter(
                    id=alert.id, status=alert.status, attempts=alert.attempts
                ).update(status=RadarAlert.SENDING, attempts=F("attempts") + 1, lease_until=now + LEASE)
                if not won:
                    raise _Taken
                alert.status, alert.attempts = RadarAlert.SENDING, alert.attempts + 1
    except _Taken:
        return []
    return alerts


async def messages_since(userid: str, since: datetime) -> int:
    """Radar alert messages sent to a staff member after `since` (the alerts of one message share its
    sent_at)."""
    times = (
        await RadarAlert.filter(userid=userid, notify=True, sent_at__gt=since)
        .distinct()
        .values_list("sent_at", flat=True)
    )
    return len(set(times))


async def _mark_tags(wecom, item: _Work) -> None:
    """mark_tag the radar's tags that still exist on a relation of the customer's: the staff member's who
    sent the radar, or another's when the customer reached it through a share."""
    alert = item.alert
    live = await Tag.filter(tag_id__in=alert.tag_ids, deleted=False).values_list("tag_id", flat=True)
    relations = FollowRelation.filter(customer_id=alert.external_userid, status=FollowRelation.ACTIVE)
    userids = set(await relations.values_list("userid", flat=True))
    userid = alert.userid if alert.userid in userids else min(userids, default="")
    if not live or not userid:
        # Tags deleted since, or a customer no staff member follows any more: nothing left to mark.
        item.tagged = True
        return
    try:
        await customer_edits.change_tags(wecom, userid, alert.external_userid, add=sorted(live))
    except Exception as exc:
        # change_tags words WeCom's refusals for people; the log keeps the errcode and errmsg.
        item.error = f"mark_tag: {exc.__cause__ or exc}"
        log.warning("radar alert %s: tags for %s failed: %s", alert.id, alert.external_userid, item.error)
        return
    item.tagged = True


async def _send(wecom, settings: Settings, userid: str, items: list[_Work], *, last: bool) -> None:
    try:
        card, named = await alert_card(settings, userid, [item.alert for item in items], count_rest=last)
        await notify.send_textcard(wecom, userid, card)
    except Exception as exc:
        for item in items:
            item.error = "; ".join(filter(None, (item.error, f"message/send: {exc}")))
        log.warning("radar alerts to %s: %s alerts not sent: %s", userid, len(items), exc)
        return
    for item in items:
        if last or (item.alert.external_userid, item.alert.radar_id) in named:
            item.messaged = True
        else:
            item.deferred = True


async def alert_card(
    settings: Settings, userid: str, alerts: list[RadarAlert], *, count_rest: bool = True
) -> tuple[dict[str, str], set[tuple[str, int]]]:
    """One textcard for a staff member's alerts: a line per customer and radar, newest visit first, with
    what is known of the visit now (an alert sent as the page opens says only that it opened; viewing
    time and progress once the page has reported them), as many as WeCom's limits allow; with count_rest
    the card counts the lines left out. Returns the card and the (customer, radar) pairs it names."""
    latest: dict[tuple[str, int], RadarAlert] = {}
    for alert in sorted(alerts, key=lambda a: (a.created_at, a.id)):
        latest[alert.external_userid, alert.radar_id] = alert
    newest = sorted(latest.values(), key=lambda a: (a.created_at, a.id), reverse=True)
    await RadarAlert.fetch_for_list(newest, "visit", "radar")
    names: dict[str, str] = {}
    for alert in newest:
        if alert.external_userid not in names:
            label = await customer_label(alert.external_userid, userid)
            names[alert.external_userid] = notify.shorten(label, notify.NAME_MAX)
    lines = [_line(names[a.external_userid], a) for a in newest]
    # 详情 opens the newest visit: who, through whose shares, how far. A customer met through a share is
    # often a colleague's, whose customer page this member may not open.
    url = settings.public_url + VISIT_PAGE.format(visit_id=newest[0].visit_id)
    for shown in range(len(lines), 0, -1):
        more = len(lines) - shown if count_rest else 0
        # The title counts every customer the card speaks of, named or counted.
        counted = names if more else {a.external_userid for a in newest[:shown]}
        title = (
            f"客户 {names[newest[0].external_userid]} 查看了雷达"
            if len(counted) == 1
            else (f"{len(counted)} 位客户查看了雷达")
        )
        card = notify.textcard("radar_alert.j2", url, title=title, lines=lines[:shown], more=more)
        if notify.fits(card):
            return card, {(a.external_userid, a.radar_id) for a in newest[:shown]}
    raise notify.CardTooLong(f"radar alerts to {userid}: no line fits WeCom's textcard limits")


def _line(customer: str, alert: RadarAlert) -> dict:
    radar, visit = alert.radar, alert.visit
    tracked = radar.type != Radar.LINK  # a link radar only redirects: no viewing time or progress
    # Nothing reported yet is said as nothing, not as 0 秒 / 0 %: the page may have only just opened.
    return {
        "customer": customer,
        "title": notify.shorten(radar.title, TITLE_MAX),
        "duration": spoken_duration(visit.duration) if tracked and visit.duration > 0 else "",
        "progress": visit.progress if tracked and visit.progress > 0 else 0,
    }


async def _settle(item: _Work, max_attempts: int, now: datetime) -> str:
    """Write what this run did; returns the outcome."""
    alert = item.alert
    fields: dict = {}
    if item.tagged:
        fields["tag_ids"] = []
    if item.messaged:
        fields["sent_at"] = now
    done = (item.tagged or not alert.tag_ids) and (item.messaged or not alert.notify or alert.sent_at)
    if item.error:
        outcome = RadarAlert.FAILED if alert.attempts >= max_attempts else RadarAlert.PENDING
        delay = min(RETRY_BASE * 2 ** (alert.attempts - 1), RETRY_MAX)
        fields.update(status=outcome, lease_until=now + delay, last_error=item.error[:2000])
    elif item.deferred:
        # Not tried, so not counted: the next run takes it with whatever else queued up for the member.
        outcome = "deferred"
        fields.update(status=RadarAlert.PENDING, attempts=F("attempts") - 1, lease_until=now)
    elif done:
        outcome = RadarAlert.SENT
        fields.update(status=RadarAlert.SENT, lease_until=None)
        fields.setdefault("sent_at", alert.sent_at or now)
    else:  # pragma: no cover - every claimed alert has tags, a message, or neither and is done
        outcome = RadarAlert.PENDING
        fields.update(status=RadarAlert.PENDING, lease_until=now)
    await RadarAlert.filter(id=alert.id, status=RadarAlert.SENDING, attempts=alert.attempts).update(**fields)
    return outcome
