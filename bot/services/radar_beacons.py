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
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from tortoise.transactions import in_transaction

from bot.models import Radar, RadarVisit, TimelineEvent
from bot.services import radar_cache, radar_effects
from bot.store.group_commit import GroupCommit

OPEN, HEARTBEAT, HIDDEN, CLOSE, PROGRESS, SHARE = "open", "heartbeat", "hidden", "close", "progress", "share"
EVENTS = frozenset({OPEN, HEARTBEAT, HIDDEN, CLOSE, PROGRESS, SHARE})

_COLUMNS = ("last_beacon_at", "duration", "progress", "shares", "closed_at")


@dataclass(frozen=True)
class Beacon:
    visit_id: int
    event: str
    value: int
    at: datetime


def apply(visit: RadarVisit, radar: Radar, beacon: Beacon, heartbeat_seconds: int) -> TimelineEvent | None:
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
            query = RadarVisit.filter(id__in=ids).using_db(connection)
            if connection.capabilities.dialect == "postgres":
                query = query.select_for_update()
            visits = {visit.id: visit for visit in await query}
            before = {id: tuple(getattr(v, c) for c in _COLUMNS) for id, v in visits.items()}
            events: list[TimelineEvent] = []
            for beacon in beacons:
                visit = visits.get(beacon.visit_id)
                radar = await radar_cache.radar(visit.radar_id) if visit is not None else None
                if radar is not None:
                    event = apply(visit, radar, beacon, self.heartbeat_seconds)
                    if event is not None:
                        events.append(event)
            rows = [
                [*after, id]
                for id, visit in visits.items()
                if (after := tuple(getattr(visit, c) for c in _COLUMNS)) != before[id]
            ]
            if rows:
                await connection.execute_many(_update_sql(connection.capabilities.dialect), rows)
            if events:
                await TimelineEvent.bulk_create(events, using_db=connection)
        return [b.visit_id in visits for b in beacons]


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
