"""Scheduled jobs, run by apscheduler in the process that runs the worker. A new job is one entry in JOBS."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot import notify
from bot.services import radar_alerts, sync
from bot.settings import Settings, SettingsError, require_wecom_api

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class JobContext:
    settings: Settings
    wecom: object


@dataclass(frozen=True)
class Job:
    """A named coroutine and when it runs; `trigger` returns None when the settings switch it off."""

    name: str
    trigger: Callable[[Settings], BaseTrigger | None]
    run: Callable[[JobContext], Awaitable[None]]


async def reconcile(ctx: JobContext) -> None:
    """A full sync that repairs what lost callbacks left wrong, and says how much it found."""
    try:
        result = await sync.run_sync(ctx.wecom, stale_after=ctx.settings.sync.stale_after, trigger="schedule")
    except sync.SyncBusy as exc:
        log.info("reconciliation skipped: %s", exc)
        return
    log.info("reconciliation: %s", result.describe())


def _reconcile_trigger(settings: Settings) -> BaseTrigger | None:
    s = settings.sync
    if not s.reconcile_enabled:
        return None
    return CronTrigger.from_crontab(s.reconcile_cron, timezone=ZoneInfo(settings.server.timezone))


async def send_reminders(ctx: JobContext) -> None:
    """Follow-up reminders whose time has come, as WeCom app messages to the staff member."""
    outcome = await notify.send_due_reminders(ctx.wecom, ctx.settings)
    if outcome:
        log.info("reminders: %s", dict(outcome))


def _reminders_trigger(settings: Settings) -> BaseTrigger:
    return IntervalTrigger(seconds=settings.notify.reminder_interval)


async def send_radar_alerts(ctx: JobContext) -> None:
    """Customers' radar visits: their auto-tags, and one merged app message per staff member."""
    outcome = await radar_alerts.flush(ctx.wecom, ctx.settings)
    if outcome:
        log.info("radar alerts: %s", dict(outcome))


def _radar_alerts_trigger(settings: Settings) -> BaseTrigger:
    return IntervalTrigger(seconds=settings.radar.alert_interval)


JOBS = (
    Job("reconcile", _reconcile_trigger, reconcile),
    Job("reminders", _reminders_trigger, send_reminders),
    Job("radar_alerts", _radar_alerts_trigger, send_radar_alerts),
)


async def auto_sync(ctx: JobContext) -> None:
    """A first full sync when the mirror is empty, so a fresh install shows WeCom's data without a command."""
    if not ctx.settings.sync.auto_when_empty or not await sync.mirror_is_empty():
        return
    try:
        require_wecom_api(ctx.settings)
    except SettingsError as exc:
        log.info("the mirror is empty but no full sync starts: %s", exc)
        return
    log.info("the mirror is empty: starting a full sync in the background")
    try:
        result = await sync.run_sync(ctx.wecom, stale_after=ctx.settings.sync.stale_after, trigger="auto")
    except sync.SyncBusy as exc:
        log.info("auto sync skipped: %s", exc)
    except Exception:
        log.exception("auto sync failed; `scrm sync` resumes it")
    else:
        log.info("auto sync done: %s", result.describe())


class Scheduler:
    """The jobs of JOBS on their triggers, plus the auto sync; start() never waits for either."""

    def __init__(self, settings: Settings, wecom: object, jobs: tuple[Job, ...] = JOBS):
        self.ctx = JobContext(settings, wecom)
        self.jobs = jobs
        self._scheduler = AsyncIOScheduler(timezone=ZoneInfo(settings.server.timezone))
        self._auto: asyncio.Task[None] | None = None

    def start(self) -> None:
        for job in self.jobs:
            trigger = job.trigger(self.ctx.settings)
            if trigger is None:
                continue
            # One run at a time; a run missed while the process was down runs once, within an hour.
            self._scheduler.add_job(
                job.run, trigger, args=[self.ctx], id=job.name, name=job.name,
                max_instances=1, coalesce=True, misfire_grace_time=3600,
            )  # fmt: skip
        self._scheduler.start()
        for job in self._scheduler.get_jobs():
            log.info("job %s: next run %s", job.id, job.next_run_time)
        self._auto = asyncio.create_task(auto_sync(self.ctx))

    async def stop(self) -> None:
        self._scheduler.shutdown(wait=False)
        if self._auto is not None:
            self._auto.cancel()
            await asyncio.wait([self._auto])
