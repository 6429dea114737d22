"""Callback inbox: persist each decrypted event durably (group commit) before WeCom gets its 200."""

from __future__ import annotations

import functools
import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from aiohttp import web
from tortoise import connections
from tortoise.functions import Count

from bot.inbox.models import InboxEvent
from bot.store.group_commit import GroupCommit
from bot.wecom.events import Event

log = logging.getLogger(__name__)


def utcnow() -> datetime:
    return datetime.now(UTC)


def dedup_key(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode("utf-8")).hexdigest()


_COLUMNS = "dedup_key, event, change_type, partition_key, create_time, payload, received_at, next_attempt_at"
_PER_ROW = 8


@functools.lru_cache(maxsize=64)
def _insert_sql(dialect: str, rows: int) -> str:
    """One multi-row INSERT for a batch: a single statement is atomic and commits on its own, so the
    batch costs one round trip to the database (a transaction would cost four on SQLite)."""
    if dialect == "postgres":
        groups = (", ".join(f"${r * _PER_ROW + c}" for c in range(1, _PER_ROW + 1)) for r in range(rows))
    else:
        groups = (", ".join("?" * _PER_ROW) for _ in range(rows))
    values = ", ".join(f"({g}, 'pending', 0, '', '')" for g in groups)
    return (
        f"INSERT INTO inbox_event ({_COLUMNS}, status, attempts, claimed_by, last_error) VALUES {values} "
        "ON CONFLICT (dedup_key) DO NOTHING"
    )


class InboxWriter:
    """Stores events in batches (group commit, bot.store.group_commit): every request waiting while a batch
    commits joins the next one.

    A caller's `store()` returns only after the transaction holding its row has committed, so an
    acknowledged callback is never lost; concurrent callbacks share one commit.
    """

    def __init__(self, *, max_batch: int = 500, on_stored: Callable[[], None] | None = None):
        self.on_stored = on_stored
        self._writer: GroupCommit[tuple] = GroupCommit(self._commit, name="inbox-writer", max_batch=max_batch)

    async def start(self) -> None:
        await self._writer.start()

    async def stop(self) -> None:
        await self._writer.stop()

    async def store(self, event: Event, plaintext: str) -> None:
        """Persist one event (duplicates of a stored plaintext are ignored); raises if the write failed."""
        if not self._writer.running:
            raise RuntimeError("inbox writer is not running")
        row = (
            dedup_key(plaintext),
            event.event[:64],
            event.change_type[:64],
            event.partition_key[:160],
            event.create_time,
            plaintext,
        )
        await self._writer.submit(row)

    async def _commit(self, rows: list[tuple]) -> None:
        unique: dict[str, tuple] = {}
        for row in rows:  # first occurrence wins: ids follow arrival order
            unique.setdefault(row[0], row)
        connection = connections.get("default")
        dialect = connection.capabilities.dialect
        # One timestamp per batch, encoded once (SQLite's adapter would format it for every row).
        now = utcnow()
        stamp = now if dialect == "postgres" else now.isoformat(" ")
        values = [value for row in unique.values() for value in (*row, stamp, stamp)]
        await connection.execute_query(_insert_sql(dialect, len(unique)), values)
        if self.on_stored:
            self.on_stored()


@dataclass(frozen=True)
class InboxCounts:
    """The inbox's size: events waiting or running, handled ones kept for inbox.retention_days, dead ones."""

    total: int
    pending: int
    handled: int
    dead: int

    def as_dict(self) -> dict[str, int]:
        return {"total": self.total, "pending": self.pending, "handled": self.handled, "dead": self.dead}


async def counts() -> InboxCounts:
    by_status = dict(await InboxEvent.annotate(n=Count("id")).group_by("status").values_list("status", "n"))
    return InboxCounts(
        total=sum(by_status.values()),
        pending=sum(by_status.get(s, 0) for s in InboxEvent.UNFINISHED),
        handled=sum(by_status.get(s, 0) for s in InboxEvent.HANDLED),
        dead=by_status.get(InboxEvent.DEAD, 0),
    )


async def list_events(statuses: tuple[str, ...], limit: int = 100) -> list[InboxEvent]:
    return await InboxEvent.filter(status__in=statuses).order_by("id").limit(limit)


async def replay(event_id: int | None = None, *, statuses: tuple[str, ...] = (InboxEvent.DEAD,)) -> int:
    """Queue dead (or given-status) events again with a fresh attempt count; returns how many."""
    query = InboxEvent.filter(status__in=statuses)
    if event_id is not None:
        query = InboxEvent.filter(id=event_id).exclude(status=InboxEvent.RUNNING)
    return await query.update(
        status=InboxEvent.PENDING,
        attempts=0,
        next_attempt_at=utcnow(),
        lease_until=None,
        claimed_by="",
        finished_at=None,
    )


async def delete_dead(event_id: int | None = None) -> int:
    """Delete one dead event, or every dead one: what its error said is given up. Only dead events: a pending
    one is still owed to its handlers, and handled ones go by themselves after inbox.retention_days."""
    query = InboxEvent.filter(status=InboxEvent.DEAD)
    if event_id is not None:
        query = query.filter(id=event_id)
    return await query.delete()


INBOX = web.AppKey("inbox", InboxWriter)
