"""Group commit: requests queue their writes and wait; one task writes each burst in one transaction."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass
class _Pending(Generic[T]):
    item: T
    done: asyncio.Future


class GroupCommit(Generic[T]):
    """Every request waiting while a burst is written joins the next one. `write` gets the burst's items
    and returns one result per item (or None); a caller's `submit()` returns its result only after
    `write` returned, so what it acknowledges is committed. A failed write fails the whole burst."""

    def __init__(
        self,
        write: Callable[[list[T]], Awaitable[Sequence[Any] | None]],
        *,
        name: str,
        max_batch: int = 500,
    ):
        self._write = write
        self.name = name
        self.max_batch = max_batch
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
                batch, self._queue = self._queue[: self.max_batch], self._queue[self.max_batch :]
                await self._commit(batch)
            if self._closing:
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
