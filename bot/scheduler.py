"""The scheduler: every domain package's jobs on their triggers, run by apscheduler in the process that runs
the worker. A package adds a job to its own JOBS; this module only composes them."""

from __future__ import annotations

import asyncio
import logging
from zoneinfo import ZoneInfo

from aiohttp import web
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.contacts import jobs as contacts_jobs
from bot.followups import jobs as followups_jobs
from bot.inbox import jobs as inbox_jobs
from bot.jobs import Job, JobContext
from bot.radar import jobs as radar_jobs
from bot.settings import Settings

log = logging.getLogger(__name__)
# apscheduler narrates every run at INFO ("Running job ...", "... executed successfully": two lines every 5 s
# for the radar alerts alone). Jobs log what they sent or changed instead; its warnings (a missed run, a
# run skipped because the last one is still going) and errors still show.
logging.getLogger("apscheduler").setLevel(logging.WARNING)

JOBS: tuple[Job, ...] = (*inbox_jobs.JOBS, *contacts_jobs.JOBS, *followups_jobs.JOBS, *radar_jobs.JOBS)


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
        self._auto = asyncio.create_task(contacts_jobs.auto_sync(self.ctx))

    async def stop(self) -> None:
        self._scheduler.shutdown(wait=False)
        if self._auto is not None:
            self._auto.cancel()
            await asyncio.wait([self._auto])


SCHEDULER = web.AppKey("scheduler", Scheduler)
