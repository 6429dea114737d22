"""Follow-ups' scheduled work: reminders whose time has come."""

from __future__ import annotations

import logging

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.followups import reminders
from bot.jobs import Job, JobContext
from bot.settings import Settings

log = logging.getLogger(__name__)


async def send_reminders(ctx: JobContext) -> None:
    """Follow-up reminders whose time has come, as WeCom app messages to the staff member."""
    outcome = await reminders.send_due_reminders(ctx.wecom, ctx.settings)
    if outcome:
        log.info("reminders: %s", dict(outcome))


def _reminders_trigger(settings: Settings) -> BaseTrigger:
    return IntervalTrigger(seconds=settings.notify.reminder_interval)


JOBS = (Job("reminders", _reminders_trigger, send_reminders),)
