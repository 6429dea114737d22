"""Inbox worker: claims stored events with a lease, runs their handlers, retries, and marks the dead."""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta

from tortoise.expressions import F, Q
from tortoise.transactions import in_transaction

from bot.inbox.models import InboxEvent
from bot.inbox.router import Context, Router
from bot.inbox.writer import utcnow
from bot.settings import InboxSettings
from bot.wecom.events import MalformedEvent, parse_event

log = logging.getLogger(__name__)

_SCAN = 500


class LeaseLost(Exception):
    """Another worker took the event after this worker's lease ran out; this run is rolled back."""


class InboxWorker:
    """Drains the inbox: per customer or group one event at a time, in CreateTime then arrival order."""

    def __init__(
        self,
        router: Router,
        settings: InboxSettings,
        *,
        context: Context | None = None,
        postgres: bool = False,
        clock: Callable[[], datetime] = utcnow,
    ):
        self.router = router
        self.settings = settings
        self.context = context or Context()
        self.postgres = postgres
        self.clock = clock
        self.worker_id = f"{os.getpid()}-{secrets.token_hex(4)}"
        self._round = 0
        self._wake = asyncio.Event()
        self._task: asyncio.Task | None = None
        self._shielded: set[asyncio.Task] = set()

    # -- lifecycle --------------------------------------------------------------------------------

    def notify(self) -> None:
        """New events were stored: look now rather than at the next poll."""
        self._wake.set()

    async def start(self) -> None:
        self._task = asyncio.create_task(self.run(), name="inbox-worker")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None
        # Claims and handler transactions run on after a cancel (see `_apply`); let them land first, or a
        # claim committing after `release()` would strand its events until the lease runs out.
        await asyncio.gather(*self._shielded, return_exceptions=True)
        await self.release()

    async def run(self) -> None:
        log.info("inbox worker %s started", self.worker_id)
        while True:
            try:
                handled = await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("inbox worker round failed; retrying after the poll interval")
                handled = 0
            if handled:
                continue
            # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancel that lands while the
            # event is being set, and stop() would then wait forever.
            try:
                async with asyncio.timeout(self.settings.poll_interval):
                    await self._wake.wait()
            except TimeoutError:
                pass
            self._wake.clear()

    async def release(self) -> int:
        """Give back events this worker holds (a clean stop), so nobody waits for the lease."""
        return await InboxEvent.filter(
            status=InboxEvent.RUNNING, claimed_by__startswith=self.worker_id
        ).update(status=InboxEvent.PENDING, lease_until=None, claimed_by="", attempts=F("attempts") - 1)

    async def drain(self) -> int:
        """Handle everything that is due now; returns how many events were handled."""
        total = 0
        while handled := await self.run_once():
            total += handled
        return total

    # -- one round --------------------------------------------------------------------------------

    async def run_once(self) -> int:
        claimed = await self._claim()
        if not claimed:
            return 0
        await asyncio.gather(*(self._handle(row) for row in claimed))
        return len(claimed)

    def _due(self, now: datetime) -> Q:
        return Q(status=InboxEvent.PENDING, next_attempt_at__lte=now) | Q(
            status=InboxEvent.RUNNING, lease_until__lt=now
        )

    async def _claim(self) -> list[InboxEvent]:
        now = self.clock()
        due = self._due(now)
        candidates = await InboxEvent.filter(due).order_by("id").limit(_SCAN).values("id", "partition_key")
        if not candidates:
            return []
        partitions = {c["partition_key"] for c in candidates if c["partition_key"]}
        heads: dict[str, int] = {}
        if partitions:
            # The head of a partition is its earliest unfinished event; only a due head may run, so a
            # customer's events never overtake each other, even across retries.
            rows = (
                await InboxEvent.filter(partition_key__in=partitions, status__in=InboxEvent.UNFINISHED)
                .order_by("create_time", "id")
                .values("id", "partition_key")
            )
            for row in rows:
                heads.setdefault(row["partition_key"], row["id"])
        chosen = [
            c["id"] for c in candidates if not c["partition_key"] or heads.get(c["partition_key"]) == c["id"]
        ][: self.settings.concurrency]
        if not chosen:
            return []
        self._round += 1
        token = f"{self.worker_id}:{self._round}"
        lease = now + timedelta(seconds=self.settings.lease_seconds)
        await self._shield(self._claim_rows(chosen, due, token, lease))
        return await InboxEvent.filter(claimed_by=token, status=InboxEvent.RUNNING).order_by(
            "create_time", "id"
        )

    async def _shield(self, work) -> None:
        task = asyncio.ensure_future(work)
        self._shielded.add(task)
        task.add_done_callback(self._shielded.discard)
        await asyncio.shield(task)

    async def _claim_rows(self, chosen: list[int], due: Q, token: str, lease: datetime) -> None:
        async with in_transaction():
            query = InboxEvent.filter(Q(id__in=chosen) & due)
            if self.postgres:
                ids = await query.select_for_update(skip_locked=True).values_list("id", flat=True)
                query = InboxEvent.filter(id__in=list(ids))
            await query.update(
                status=InboxEvent.RUNNING, lease_until=lease, claimed_by=token, attempts=F("attempts") + 1
            )

    async def _handle(self, row: InboxEvent) -> None:
        try:
            event = parse_event(row.payload)
        except MalformedEvent as exc:
            await self._fail(row, exc, final=True)
            return
        routes = self.router.routes_for(event)
        try:
            if not routes:
                await self._finish(row, InboxEvent.SKIPPED)
                return
            contexts = []
            for route in routes:
                fetched = await route.fetch(event, self.context) if route.fetch else None
                contexts.append(self.context.with_fetched(fetched))
            await self._shield(self._apply(row, event, routes, contexts))
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            if isinstance(exc, LeaseLost):
                log.warning("inbox event %s: lease lost to another worker; not counted", row.id)
                return
            await self._fail(row, exc)

    async def _apply(self, row: InboxEvent, event, routes, contexts) -> None:
        # Shielded, like the claim: tortoise leaks its connection lock when a task is cancelled while a
        # transaction begins, so a stopping worker lets an open transaction finish (or roll back on
        # LeaseLost after `release()`), and the handler's writes still happen at most once.
        async with in_transaction():
            for route, ctx in zip(routes, contexts, strict=True):
                await route.handler(event, ctx)
            await self._finish(row, InboxEvent.DONE)

    async def _finish(self, row: InboxEvent, status: str) -> None:
        updated = await InboxEvent.filter(
            id=row.id, claimed_by=row.claimed_by, status=InboxEvent.RUNNING
        ).update(status=status, finished_at=self.clock(), lease_until=None, last_error="")
        if not updated:
            raise LeaseLost(row.id)

    async def _fail(self, row: InboxEvent, exc: Exception, *, final: bool = False) -> None:
        s = self.settings
        dead = final or row.attempts >= s.max_attempts
        now = self.clock()
        delay = min(s.retry_base_delay * 2 ** max(row.attempts - 1, 0), s.retry_max_delay)
        error = f"{type(exc).__name__}: {exc}"[:2000]
        await InboxEvent.filter(id=row.id, claimed_by=row.claimed_by, status=InboxEvent.RUNNING).update(
            status=InboxEvent.DEAD if dead else InboxEvent.PENDING,
            next_attempt_at=now + timedelta(seconds=delay),
            lease_until=None,
            last_error=error,
            finished_at=now if dead else None,
        )
        if dead:
            log.error(
                "inbox event %s (%s/%s) is dead after %d attempt(s): %s",
                row.id,
                row.event,
                row.change_type,
                row.attempts,
                error,
            )
        else:
            log.warning(
                "inbox event %s (%s/%s) failed (attempt %d), retry in %.1fs: %s",
                row.id,
                row.event,
                row.change_type,
                row.attempts,
                delay,
                error,
            )
