"""Callback inbox: persist each decrypted event durably (group commit) before WeCom gets its 200."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from tortoise.functions import Count
from tortoise.transactions import in_transaction

from bot.models import InboxEvent
from bot.wecom.events import Event

log = logging.getLogger(__name__)


def utcnow() -> datetime:
    return datetime.now(UTC)


def dedup_key(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode("utf-8")).hexdigest()


_COLUMNS = (
    "dedup_key",
    "event",
    "change_type",
    "partition_key",
    "create_time",
    "payload",
    "received_at",
    "status",
    "attempts",
    "next_attempt_at",
    "claimed_by",
    "last_error",
)


def _insert_sql(dialect: str) -> str:
    # One statement for both databases; only the placeholders differ. Written by hand because building
    # model objects cost as much as the rest of the request path together (see tests/bench).
    marks = [f"${i}" for i in range(1, len(_COLUMNS) + 1)] if dialect == "postgres" else ["?"] * len(_COLUMNS)
    return (
        f"INSERT INTO inbox_event ({', '.join(_COLUMNS)}) VALUES ({', '.join(marks)}) "
        "ON CONFLICT (dedup_key) DO NOTHING"
    )


@dataclass
class _Pending:
    row: tuple
    done: asyncio.Future


class InboxWriter:
    """Stores events in batches: every request waiting while a batch commits joins the next one.

    A caller's `store()` returns only after the transaction holding its row has committed, so an
    acknowledged callback is never lost; concurrent callbacks share one commit (group commit).
    """

    def __init__(self, *, max_batch: int = 500, on_stored: Callable[[], None] | None = None):
        self.max_batch = max_batch
        self.on_stored = on_stored
        self._queue: list[_Pending] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task | None = None
        self._closing = False

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="inbox-writer")

    async def stop(self) -> None:
        self._closing = True
        self._wake.set()
        if self._task:
            await self._task
            self._task = None

    async def store(self, event: Event, plaintext: str) -> None:
        """Persist one event (duplicates of a stored plaintext are ignored); raises if the write failed."""
        if self._closing or self._task is None:
            raise RuntimeError("inbox writer is not running")
        now = utcnow()
        row = (
            dedup_key(plaintext),
            event.event[:64],
            event.change_type[:64],
            event.partition_key[:160],
            event.create_time,
            plaintext,
            now,
            InboxEvent.PENDING,
            0,
            now,
            "",
            "",
        )
        done = asyncio.get_running_loop().create_future()
        self._queue.append(_Pending(row, done))
        self._wake.set()
        await done

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._queue:
                batch, self._queue = self._queue[: self.max_batch], self._queue[self.max_batch :]
                await self._commit(batch)
            if self._closing:
                return

    async def _commit(self, batch: list[_Pending]) -> None:
        unique: dict[str, tuple] = {}
        for pending in batch:
            unique.setdefault(pending.row[0], pending.row)
        try:
            async with in_transaction() as connection:
                await connection.execute_many(
                    _insert_sql(connection.capabilities.dialect), list(unique.values())
                )
        except Exception as exc:
            log.error("inbox write of %d event(s) failed: %s", len(batch), exc)
            for pending in batch:
                if not pending.done.done():
                    pending.done.set_exception(exc)
            return
        for pending in batch:
            if not pending.done.done():
                pending.done.set_result(None)
        if self.on_stored:
            self.on_stored()


@dataclass(frozen=True)
class InboxCounts:
    total: int
    pending: int
    dead: int

    def as_dict(self) -> dict[str, int]:
        return {"total": self.total, "pending": self.pending, "dead": self.dead}


async def counts() -> InboxCounts:
    by_status = dict(await InboxEvent.annotate(n=Count("id")).group_by("status").values_list("status", "n"))
    pending = sum(by_status.get(s, 0) for s in InboxEvent.UNFINISHED)
    return InboxCounts(total=sum(by_status.values()), pending=pending, dead=by_status.get(InboxEvent.DEAD, 0))


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
