"""The scheduler runs every package's jobs without narrating them: a job logs what it sent or changed, and a
run that found nothing to do leaves the log empty."""

import asyncio
import logging

from apscheduler.triggers.interval import IntervalTrigger

from bot.jobs import Job
from bot.scheduler import JOBS, Scheduler


async def test_jobs_that_find_nothing_to_do_log_nothing(live_database, make_settings, caplog):
    # The busiest real schedules: radar alerts and reminders every second, with nothing queued.
    settings = make_settings(radar={"alert_interval": 1}, notify={"reminder_interval": 1})
    runs = []

    async def probe(ctx):
        runs.append(ctx)

    probe_job = Job("probe", lambda s: IntervalTrigger(seconds=1), probe)
    scheduler = Scheduler(settings, None, jobs=(*JOBS, probe_job))
    with caplog.at_level(logging.INFO):
        scheduler.start()
        caplog.clear()  # the start-up lines naming each job's next run
        try:
            for _ in range(60):
                if len(runs) >= 3:
                    break
                await asyncio.sleep(0.1)
        finally:
            await scheduler.stop()
    assert len(runs) >= 3, "the jobs did not run"
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO] == []
