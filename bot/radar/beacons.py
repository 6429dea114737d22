"""Radar beacons: viewing time, reading progress and shares the page reports, clamped by the server so no
client can inflate them, and written by group commit: one transaction for each burst of beacons.

The request path only checks the visit key and the limiter and hands the beacon to BeaconWriter; the
writer coalesces a burst's beacons per visit, reads their visits in one SELECT (locked on PostgreSQL, so
two server processes never apply beacons of one visit over each other), applies the rules in arrival
order in memory and writes every changed visit with one executemany, plus the timeline events they set
off. The request is answered after that commit.
"""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from tortoise.transactions import in_transaction

from bot.contacts.models import TimelineEvent
from bot.radar import cache as radar_cache
from bot.radar import effects as radar_effects
from bot.radar.models import Radar
from bot.store.group_commit import GroupCommit, lock_for_write

OPEN, HEARTBEAT, HIDDEN, CLOSE, PROGRESS, SHARE = "open", "heartbeat", "hidden", "close", "progress", "share"
EVENTS = frozenset({OPEN, HEARTBEAT, HIDDEN, CLOSE, PROGRESS, SHARE})

_COLUMNS = ("last_beacon_at", "duration", "progress", "shares", "closed_at")


@dataclass(frozen=True)
class Beacon:
    visit_id: int
    event: str
    value: int
    at: datetime


def apply(visit: _Visit, radar: Radar, beacon: Beacon, heartbeat_seconds: int) -> TimelineEvent | None:
    """Apply one beacon to the visit in memory; the timeline event it sets off, if any.

    Viewing time grows by at most the wall time since the last beacon and at most one heartbeat, never
    beyond now - opened_at; progress only grows, within 0-100. A link radar has neither (the seed: only
    its click counts); a share counts on every radar."""
    now = beacon.at
    if beacon.event == SHARE:
        visit.shares += 1
        return radar_effects.shared_entry(visit, radar, now)
    if radar.type == Radar.LINK:
        return None
    if beacon.event == PROGRESS:
        value, before = max(0, min(100, beacon.value)), visit.progress
        if value <= before:
            return None
        visit.progress = value
        return radar_effects.read_entry(visit, radar, before, now)
    if beacon.event != OPEN:  # open (page shown again) starts a visible stretch, it does not end one
        since = visit.last_beacon_at or visit.opened_at
        gained = max(0, min(round((now - since).total_seconds()), heartbeat_seconds))
        ceiling = max(0, int((now - visit.opened_at).total_seconds()))
        visit.duration = max(visit.duration, min(visit.duration + gained, ceiling))
    if beacon.event == CLOSE:
        visit.closed_at = now
    # a beacon that arrives late (clocks of two processes) never moves the clock back
    if visit.last_beacon_at is None or now > visit.last_beacon_at:
        visit.last_beacon_at = now
    return None


@functools.lru_cache(maxsize=4)
def _update_sql(dialect: str) -> str:
    if dialect == "postgres":
        sets = ", ".join(f"{c} = ${i}" for i, c in enumerate(_COLUMNS, 1))
        return f"UPDATE radar_visit SET {sets} WHERE id = ${len(_COLUMNS) + 1}"
    return f"UPDATE radar_visit SET {', '.join(f'{c} = ?' for c in _COLUMNS)} WHERE id = ?"


class BeaconWriter:
    """Applies beacons in bursts (group commit); `record()` returns once its beacon is committed."""

    def __init__(self, heartbeat_seconds: int, *, max_batch: int = 2000):
        self.heartbeat_seconds = heartbeat_seconds
        self._writer: GroupCommit[Beacon] = GroupCommit(
            self._write, name="radar-beacons", max_batch=max_batch
        )

    async def start(self) -> None:
        await self._writer.start()

    async def stop(self) -> None:
        """Refuse new beacons and commit the pending ones."""
        await self._writer.stop()

    async def record(self, visit_id: int, event: str, value: int, *, now: datetime) -> bool:
        """Apply one beacon; False when the visit does not exist."""
        return await self._writer.submit(Beacon(visit_id, event, value, now))

    async def _write(self, beacons: list[Beacon]) -> list[bool]:
        ids = sorted({b.visit_id for b in beacons})  # one lock order for every burst
        async with in_transaction() as connection:
            dialect = connection.capabilities.dialect
            await lock_for_write(connection, "radar_visit")
            _, rows = await connection.execute_query(_select_sql(dialect), _ids_param(dialect, ids))
            visits = {row[0]: _Visit.from_row(row) for row in map(tuple, rows)}
            before = {id: visit.written() for id, visit in visits.items()}
            events: list[TimelineEvent] = []
            for beacon in beacons:
                visit = visits.get(beacon.visit_id)
                radar = await radar_cache.radar(visit.radar_id) if visit is not None else None
                if radar is not None:
                    event = apply(visit, radar, beacon, self.heartbeat_seconds)
                    if event is not None:
                        events.append(event)
            changed = [[*after, id] for id, v in visits.items() if (after := v.written()) != before[id]]
            if changed:
                await connection.execute_many(_update_sql(dialect), changed)
            if events:
                await TimelineEvent.bulk_create(events, using_db=connection)
        return [b.visit_id in visits for b in beacons]


@dataclass(slots=True)
class _Visit:
    """What a beacon reads and writes of a visit (a RadarVisit model costs tens of microseconds to load)."""

    id: int
    radar_id: int
    external_userid: str
    userid: str
    level: int
    opened_at: datetime
    last_beacon_at: datetime | None
    duration: int
    progress: int
    shares: int
    closed_at: datetime | None

    @classmethod
    def from_row(cls, row: tuple) -> _Visit:
        return cls(*row[:5], *map(_datetime, row[5:7]), *row[7:10], _datetime(row[10]))

    def written(self) -> tuple:
        return self.last_beacon_at, self.duration, self.progress, self.shares, self.closed_at


def _datetime(value) -> datetime | None:
    """SQLite hands back the text tortoise stored (ISO 8601 with the offset), PostgreSQL a datetime."""
    return datetime.fromisoformat(value) if isinstance(value, str) else value


_SELECTED = (
    "id, radar_id, external_userid, userid, level, opened_at, last_beacon_at, "
    "duration, progress, shares, closed_at"
)


@functools.lru_cache(maxsize=4)
def _select_sql(dialect: str) -> str:
    """The burst's visits in one statement whatever their number: an array on PostgreSQL (locked until the
    commit), a JSON list on SQLite (after lock_for_write)."""
    if dialect == "postgres":
        return f"SELECT {_SELECTED} FROM radar_visit WHERE id = ANY($1::bigint[]) ORDER BY id FOR UPDATE"
    return f"SELECT {_SELECTED} FROM radar_visit WHERE id IN (SELECT value FROM json_each(?))"


def _ids_param(dialect: str, ids: list[int]) -> list:
    return [ids] if dialect == "postgres" else [json.dumps(ids)]


class BeaconLimiter:
    """At most `per_minute` beacons per key (a visitor, an IP address) in each clock minute. In-process:
    every server process counts on its own, so N processes let through up to N times the limit."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic):
        self.per_minute = per_minute
        self._clock = clock
        self._window = -1
        self._counts: dict[str, int] = {}

    def allow(self, *keys: str) -> bool:
        window = int(self._clock() // 60)
        if window != self._window:  # a new minute: forget the last one wholesale, so memory stays small
            self._window, self._counts = window, {}
        if any(self._counts.get(key, 0) >= self.per_minute for key in keys):
            return False
        for key in keys:
            self._counts[key] = self._counts.get(key, 0) + 1
        return True
