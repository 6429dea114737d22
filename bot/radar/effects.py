"""What a customer's radar visit sets off: timeline events, and the auto-tags and staff alert it queues.

These run on the radar page's request path, so they only write rows: the scheduler's flush
(bot.radar.alerts) marks the tags through WeCom and sends the alerts. Visits by people who are not
a corp's customer (no external_userid) set off nothing.
"""

from __future__ import annotations

import functools
import json
from datetime import datetime, timedelta

from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient

from bot.contacts import timeline
from bot.contacts.models import TimelineEvent
from bot.radar.models import Radar, RadarAlert, RadarVisit
from bot.settings import RadarSettings, Settings

READ_PROGRESS = 80  # 阅读 80 %: the progress that records RADAR_READ

_window = timedelta(minutes=RadarSettings().alert_window_minutes)


def configure(settings: Settings) -> None:
    """Take the alert window from the settings (the server calls this once when it starts)."""
    global _window
    _window = timedelta(minutes=settings.radar.alert_window_minutes)


def _payload(visit: RadarVisit, radar: Radar, **extra) -> dict:
    return {"radar_id": radar.id, "title": radar.title, "visit_id": visit.id, "level": visit.level, **extra}


async def opened(visit: RadarVisit, radar: Radar, now: datetime, *, window: timedelta | None = None) -> None:
    """A visit was recorded. The customer's first visit to the radar goes into the timeline and queues the
    auto-tags and an alert; a later one queues an alert only if the staff member heard of this customer
    and radar no sooner than `window` ago (default: radar.alert_window_minutes)."""
    await opened_many([(visit, radar, now)], window=window)


async def opened_many(
    visits: list[tuple[RadarVisit, Radar, datetime]],
    *,
    window: timedelta | None = None,
    using_db: BaseDBAsyncClient | None = None,
) -> None:
    """opened() for visits recorded together (in id order), in a few statements for all of them, with the
    outcome of calling it for each in turn."""
    mine = [(visit, radar, now) for visit, radar, now in visits if visit.external_userid]
    if not mine:
        return
    customers = sorted({visit.external_userid for visit, _, _ in mine})
    radar_ids = sorted({radar.id for _, radar, _ in mine})
    connection = using_db or connections.get("default")
    dialect = connection.capabilities.dialect
    span = _window if window is None else window
    since = min(now for _, _, now in mine) - span
    # The earliest visit is the first one, even when two are recorded at once.
    _, rows = await connection.execute_query(_sql(dialect, _FIRSTS), _lists(dialect, radar_ids, customers))
    firsts = {(radar_id, customer): first for radar_id, customer, first in map(tuple, rows)}
    staff = sorted({visit.userid for visit, _, _ in mine})
    _, rows = await connection.execute_query(
        _sql(dialect, _HEARD), [*_lists(dialect, radar_ids, customers, staff), since]
    )
    heard = [(*row[:3], _datetime(row[3])) for row in map(tuple, rows)]
    events: list[TimelineEvent] = []
    alerts: list[RadarAlert] = []

    def queue(visit: RadarVisit, radar: Radar, now: datetime, *, notify: bool, tag_ids: list) -> None:
        alerts.append(_alert(visit, radar, now, notify=notify, tag_ids=tag_ids))
        if notify:
            heard.append((visit.userid, visit.external_userid, radar.id, now))

    for visit, radar, now in mine:
        first = firsts.get((radar.id, visit.external_userid))
        if first is None or first >= visit.id:
            if radar.record_timeline:
                events.append(timeline.entry(
                    visit.external_userid, timeline.RADAR_OPENED, now, userid=visit.userid,
                    payload=_payload(visit, radar),
                ))  # fmt: skip
            if radar.notify_staff or radar.auto_tag_ids:
                queue(visit, radar, now, notify=radar.notify_staff, tag_ids=list(radar.auto_tag_ids))
            continue
        if not radar.notify_staff:
            continue
        key, since = (visit.userid, visit.external_userid, radar.id), now - span
        if not any(alert[:3] == key and alert[3] > since for alert in heard):
            queue(visit, radar, now, notify=True, tag_ids=[])
    if events:
        await TimelineEvent.bulk_create(events, using_db=using_db)
    if alerts:
        await RadarAlert.bulk_create(alerts, using_db=using_db)


async def progressed(visit: RadarVisit, radar: Radar, before: int, now: datetime) -> None:
    """The visit's progress moved from `before` to visit.progress: crossing 80 % goes into the timeline."""
    event = read_entry(visit, radar, before, now)
    if event is not None:
        await event.save()


def read_entry(visit: RadarVisit, radar: Radar, before: int, now: datetime) -> TimelineEvent | None:
    """The unsaved RADAR_READ event when the progress crossed 80 %, for writers that insert many at once."""
    if not visit.external_userid or not radar.record_timeline:
        return None
    if before < READ_PROGRESS <= visit.progress:
        return timeline.entry(
            visit.external_userid, timeline.RADAR_READ, now, userid=visit.userid,
            payload=_payload(visit, radar, progress=visit.progress),
        )  # fmt: skip
    return None


async def shared(visit: RadarVisit, radar: Radar, now: datetime) -> None:
    """The visitor shared their link (call after counting it in visit.shares): the visit's first share
    goes into the timeline."""
    event = shared_entry(visit, radar, now)
    if event is not None:
        await event.save()


def shared_entry(visit: RadarVisit, radar: Radar, now: datetime) -> TimelineEvent | None:
    """The unsaved RADAR_SHARED event of a visit's first share, else None."""
    if not visit.external_userid or not radar.record_timeline or visit.shares > 1:
        return None
    return timeline.entry(
        visit.external_userid, timeline.RADAR_SHARED, now, userid=visit.userid,
        payload=_payload(visit, radar, shares=max(visit.shares, 1)),
    )  # fmt: skip


# Raw statements with one parameter per list, whatever the burst's size: an array on PostgreSQL, a JSON
# list on SQLite. (The ORM would cost more than the rest of a page open to build them.)
_FIRSTS = (
    "SELECT radar_id, external_userid, MIN(id) FROM radar_visit WHERE radar_id {ids} "
    "AND external_userid {customers} GROUP BY radar_id, external_userid"
)
_HEARD = (  # by the alert index's leading columns (userid, external_userid, radar_id, created_at)
    "SELECT userid, external_userid, radar_id, created_at FROM radar_alert WHERE notify "
    "AND radar_id {ids} AND external_userid {customers} AND userid {staff} AND created_at > {since}"
)


@functools.lru_cache(maxsize=8)
def _sql(dialect: str, template: str) -> str:
    if dialect == "postgres":
        return template.format(
            ids="= ANY($1::bigint[])", customers="= ANY($2::text[])", staff="= ANY($3::text[])", since="$4"
        )
    inlist = "IN (SELECT value FROM json_each(?))"
    return template.format(ids=inlist, customers=inlist, staff=inlist, since="?")


def _lists(dialect: str, *lists: list) -> list:
    return list(lists) if dialect == "postgres" else [json.dumps(values) for values in lists]


def _datetime(value) -> datetime:
    """SQLite hands back the text tortoise stored (ISO 8601 with the offset), PostgreSQL a datetime."""
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def _alert(visit: RadarVisit, radar: Radar, now: datetime, *, notify: bool, tag_ids: list) -> RadarAlert:
    return RadarAlert(
        userid=visit.userid, external_userid=visit.external_userid, radar_id=radar.id, visit_id=visit.id,
        notify=notify, tag_ids=tag_ids, created_at=now,
    )  # fmt: skip
