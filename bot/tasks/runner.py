"""The task runner: claims items of running tasks with a lease, runs them a few at a time, round-robin
across tasks, and resumes after a crash without doing any item twice.

Pacing is not this module's business: every WeCom call goes through the client's rate limiter and its
45009/-1 backoff, and `concurrency` items in flight keep that limiter, not round trips, the bottleneck.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta

from aiohttp import web
from tortoise.expressions import F, Q
from tortoise.transactions import in_transaction

from bot.settings import Settings
from bot.tasks.kinds import DONE, ItemFailed, Outcome, Registry, TaskContext
from bot.tasks.models import Task, TaskItem
from bot.tasks.service import utcnow
from bot.wecom.errors import WeComError

log = logging.getLogger(__name__)

INTERRUPTED = "执行中断，无法确认是否已生效；为避免重复执行，未再执行。"
CONFIRMED = "执行中断，经企业微信核对已生效。"


class TaskRunner:
    """Runs the items of queued and running tasks until stopped."""

    def __init__(
        self,
        registry: Registry,
        settings: Settings,
        wecom: object,
        *,
        postgres: bool = False,
        clock: Callable[[], datetime] = utcnow,
    ):
        self.registry = registry
        self.settings = settings
        self.options = settings.tasks
        self.wecom = wecom
        self.postgres = postgres
        self.clock = clock
        self.worker_id = f"{os.getpid()}-{secrets.token_hex(4)}"
        self._round = 0
        self._rotation = 0
        self._contexts: dict[int, TaskContext] = {}
        self._queue: asyncio.Queue[TaskItem] = asyncio.Queue(maxsize=self.options.concurrency)
        self._wake = asyncio.Event()
        self._loops: list[asyncio.Task] = []
        self._inflight: set[asyncio.Task] = set()

    # -- lifecycle --------------------------------------------------------------------------------

    def notify(self) -> None:
        """A task was created: look now rather than at the next poll."""
        self._wake.set()

    async def start(self) -> None:
        self._loops = [asyncio.create_task(self._feed(), name="task-feeder")]
        self._loops += [
            asyncio.create_task(self._work(), name=f"task-worker-{n}")
            for n in range(self.options.concurrency)
        ]

    async def stop(self) -> None:
        """Stop taking items, let the items already running finish, and hand back the ones not started."""
        for loop in self._loops:
            loop.cancel()
        await asyncio.gather(*self._loops, return_exceptions=True)
        self._loops = []
        await asyncio.gather(*self._inflight, return_exceptions=True)
        await self.release()

    async def release(self) -> int:
        """Give back claimed items that never started, so nobody waits for their lease."""
        while not self._queue.empty():
            self._queue.get_nowait()
            self._queue.task_done()
        return await TaskItem.filter(
            status=TaskItem.RUNNING, claimed_by__startswith=self.worker_id + ":"
        ).update(status=TaskItem.PENDING, claimed_by="", lease_until=None, attempts=F("attempts") - 1)

    async def drain(self) -> None:
        """Run until no task has an item left to claim (tests, the CLI)."""
        workers = [asyncio.create_task(self._work()) for _ in range(self.options.concurrency)]
        try:
            while True:
                if await self._fill():
                    continue
                await self._queue.join()
                if not await self._fill():
                    return
        finally:
            for w in workers:
                w.cancel()
            await asyncio.gather(*workers, return_exceptions=True)
            await asyncio.gather(*self._inflight, return_exceptions=True)

    # -- claiming ---------------------------------------------------------------------------------

    async def _feed(self) -> None:
        log.info("task runner %s started", self.worker_id)
        while True:
            try:
                claimed = await self._fill()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("task runner: claiming failed; retrying after the poll interval")
                claimed = 0
            if claimed:
                continue
            try:
                async with asyncio.timeout(self.options.poll_interval):
                    await self._wake.wait()
            except TimeoutError:
                pass
            self._wake.clear()

    async def _fill(self) -> int:
        """Claim one batch from the next task in turn and queue it; 0 when no task has an item to give."""
        tasks = await Task.filter(status__in=Task.ACTIVE).order_by("id")
        for ended in set(self._contexts) - {t.id for t in tasks}:
            del self._contexts[ended]
        for turn in range(len(tasks)):
            task = tasks[(self._rotation + turn) % len(tasks)]
            if self.registry.get(task.kind) is None:
                await self._end(task, Task.FAILED, f"未知的任务类型：{task.kind}")
                continue
            items = await self._claim(task)
            if not items:
                await self._finish_if_complete(task)
                continue
            self._rotation = (self._rotation + turn + 1) % max(len(tasks), 1)
            for item in items:
                await self._queue.put(item)
            return len(items)
        return 0

    async def _claim(self, task: Task) -> list[TaskItem]:
        now = self.clock()
        limit = self.options.concurrency
        # Items a dead runner left behind first (rare, and each is checked before it runs), then new ones.
        stale = Q(task_id=task.id, status=TaskItem.RUNNING, lease_until__lt=now)
        pending = Q(task_id=task.id, status=TaskItem.PENDING)
        ids = await TaskItem.filter(stale).order_by("ordinal").limit(limit).values_list("id", flat=True)
        if len(ids) < limit:
            ids += await (
                TaskItem.filter(pending)
                .order_by("ordinal")
                .limit(limit - len(ids))
                .values_list("id", flat=True)
            )
        if not ids:
            return []
        self._round += 1
        token = f"{self.worker_id}:{self._round}"
        lease = now + timedelta(seconds=self.options.lease_seconds)
        await self._shield(self._claim_rows(list(ids), stale | pending, token, lease))
        if task.status == Task.QUEUED:
            await Task.filter(id=task.id, status=Task.QUEUED).update(status=Task.RUNNING, started_at=now)
        return await TaskItem.filter(claimed_by=token, status=TaskItem.RUNNING).order_by("ordinal")

    async def _claim_rows(self, ids: list[int], due: Q, token: str, lease: datetime) -> None:
        # The UPDATE repeats the due condition, so of two runners racing for an item only one gets it (the
        # other's UPDATE finds it no longer due); on PostgreSQL SKIP LOCKED also keeps them from waiting.
        async with in_transaction():
            query = TaskItem.filter(Q(id__in=ids) & due)
            if self.postgres:
                locked = await query.select_for_update(skip_locked=True).values_list("id", flat=True)
                query = TaskItem.filter(id__in=list(locked))
            await query.update(
                status=TaskItem.RUNNING, claimed_by=token, lease_until=lease, attempts=F("attempts") + 1
            )

    async def _finish_if_complete(self, task: Task) -> None:
        unfinished = TaskItem.filter(task_id=task.id, status__in=(TaskItem.PENDING, TaskItem.RUNNING))
        if not await unfinished.exists():
            await self._end(task, Task.DONE)

    async def _end(self, task: Task, status: str, error: str = "") -> None:
        now = self.clock()
        ended = await Task.filter(id=task.id, status__in=Task.ACTIVE).update(
            status=status, error=error, finished_at=now, started_at=task.started_at or now
        )
        if ended:
            log.info("task %s (%s) %s%s", task.id, task.kind, status, f": {error}" if error else "")

    # -- running ----------------------------------------------------------------------------------

    async def _work(self) -> None:
        while True:
            item = await self._queue.get()
            try:
                # Shielded: a stopping runner lets an item that has begun finish and record its outcome,
                # so a clean stop never leaves an item whose effect is unknown.
                await self._shield(self._run(item))
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("task item %s: recording its outcome failed; its lease will run out", item.id)
            finally:
                self._queue.task_done()

    async def _shield(self, work) -> None:
        task = asyncio.ensure_future(work)
        self._inflight.add(task)
        task.add_done_callback(self._inflight.discard)
        await asyncio.shield(task)

    async def _run(self, item: TaskItem) -> None:
        # Cancel takes effect between items: an item whose task stopped after it was claimed goes back.
        task = await Task.get_or_none(id=item.task_id, status=Task.RUNNING)
        kind = self.registry.get(task.kind) if task else None
        if task is None or kind is None:
            await TaskItem.filter(id=item.id, claimed_by=item.claimed_by, status=TaskItem.RUNNING).update(
                status=TaskItem.PENDING, claimed_by="", lease_until=None, attempts=F("attempts") - 1
            )
            return
        ctx = self._context(task)
        code: int | None = None
        try:
            if item.attempts > 1:
                # Claimed before by a runner that died: it may have taken effect already.
                if kind.check_item is None:
                    raise ItemFailed(INTERRUPTED)
                if await kind.check_item(ctx, item.key, task.params):
                    outcome = replace(DONE, reason=CONFIRMED)
                else:
                    outcome = await kind.run_item(ctx, item.key, task.params)
            else:
                outcome = await kind.run_item(ctx, item.key, task.params)
            status, message = outcome.status, outcome.reason
        except ItemFailed as exc:
            status, code, message = TaskItem.FAILED, exc.code, exc.message
        except WeComError as exc:
            status, code, message = TaskItem.FAILED, exc.errcode, exc.errmsg
        except Exception as exc:
            log.exception("task %s item %s failed unexpectedly", task.id, item.id)
            status, message = TaskItem.FAILED, f"{type(exc).__name__}: {exc}"
        await self._record(item, Outcome(status, message[:2000]), code)

    def _context(self, task: Task) -> TaskContext:
        ctx = self._contexts.get(task.id)
        if ctx is None:
            ctx = TaskContext(self.wecom, self.settings, task_id=task.id, creator=task.creator)
            self._contexts[task.id] = ctx
        return ctx

    async def _record(self, item: TaskItem, outcome: Outcome, code: int | None) -> None:
        # The item's final status and the task's count move in one transaction, and only while this
        # runner still holds the item: counts stay exact even if a lease ran out under a slow item.
        counter = {TaskItem.DONE: "done", TaskItem.FAILED: "failed", TaskItem.SKIPPED: "skipped"}[
            outcome.status
        ]
        async with in_transaction():
            updated = await TaskItem.filter(
                id=item.id, claimed_by=item.claimed_by, status=TaskItem.RUNNING
            ).update(
                status=outcome.status,
                error=outcome.reason,
                error_code=code,
                finished_at=self.clock(),
                lease_until=None,
            )
            if updated:
                await Task.filter(id=item.task_id).update(**{counter: F(counter) + 1})
        if not updated:
            log.warning("task item %s: lease lost to another runner; not counted here", item.id)


TASK_RUNNER = web.AppKey("task_runner", TaskRunner)
