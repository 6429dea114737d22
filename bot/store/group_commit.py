"""Group commit: requests queue their writes and wait; one task writes each burst in one transaction."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from tortoise import connections

log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass
class _Pending(Generic[T]):
    item: T
    done: asyncio.Future


class GroupCommit(Generic[T]):
    """Every request waiting while a burst is written joins the next one. `write` gets the burst's items
    and returns one result per item (or None); a caller's `submit()` returns its result only after
    `write` returned, so what it acknowledges is committed. A failed write fails the whole burst.

    With `concurrency` above 1, that many bursts are written at once (on separate connections: see
    parallel_bursts); `write` must then be safe against itself (row or advisory locks)."""

    def __init__(
        self,
        write: Callable[[list[T]], Awaitable[Sequence[Any] | None]],
        *,
        name: str,
        max_batch: int = 500,
        concurrency: int = 1,
    ):
        self._write = write
        self.name = name
        self.max_batch = max_batch
        self.concurrency = concurrency
        self._queue: list[_Pending[T]] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task | None = None
        self._closing = False

    @property
    def running(self) -> bool:
        return self._task is not None and not self._closing

    async def start(self) -> None:
        self._closing = False
        self._task = asyncio.create_task(self._run(), name=self.name)

    async def stop(self) -> None:
        """Refuse new work, write what is queued, then return."""
        self._closing = True
        self._wake.set()
        if self._task:
            await self._task
            self._task = None

    async def submit(self, item: T) -> Any:
        if not self.running:
            raise RuntimeError(f"{self.name} is not running")
        done = asyncio.get_running_loop().create_future()
        self._queue.append(_Pending(item, done))
        self._wake.set()
        return await done

    async def _run(self) -> None:
        slots = asyncio.Semaphore(self.concurrency)
        writing: set[asyncio.Task] = set()
        while True:
            await self._wake.wait()
            self._wake.clear()
            # Requests the loop has already read are a turn or two from joining: let them, so one
            # commit serves the burst instead of the first request alone.
            for _ in range(3):
                waiting = len(self._queue)
                await asyncio.sleep(0)
                if len(self._queue) == waiting:
                    break
            while self._queue:
                # Wait for a free slot first: what arrives meanwhile joins this burst.
                await slots.acquire()
                batch, self._queue = self._queue[: self.max_batch], self._queue[self.max_batch :]
                task = asyncio.create_task(self._commit(batch))
                task.add_done_callback(lambda done: (writing.discard(done), slots.release()))
                writing.add(task)
            if self._closing:
                await asyncio.gather(*writing)
                return

    async def _commit(self, batch: list[_Pending[T]]) -> None:
        try:
            results = await self._write([pending.item for pending in batch])
        except Exception as exc:
            log.error("%s: write of %d item(s) failed: %s", self.name, len(batch), exc)
            for pending in batch:
                if not pending.done.done():
                    pending.done.set_exception(exc)
            return
        for i, pending in enumerate(batch):
            if not pending.done.done():
                pending.done.set_result(results[i] if results is not None else None)


async def lock_for_write(connection: Any, table: str) -> None:
    """On SQLite, take the database's write lock at the start of a burst's transaction, so what the burst
    reads stays true until it commits: reading first and writing later fails (SQLITE_BUSY_SNAPSHOT)
    whenever another process wrote in between. A write that matches no row takes the lock. PostgreSQL
    locks the rows read instead (SELECT ... FOR UPDATE)."""
    if connection.capabilities.dialect == "sqlite":
        await connection.execute_query(f"UPDATE {table} SET id = id WHERE 0")


def parallel_bursts() -> int:
    """How many bursts a writer may commit at once: PostgreSQL commits transactions of separate pool
    connections side by side, so a burst need not wait for the last one's commit; SQLite has one writer
    (and tortoise one connection), where a second burst would only queue behind the first."""
    return 3 if connections.get("default").capabilities.dialect == "postgres" else 1
