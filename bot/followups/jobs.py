"""Follow-ups' scheduled work: reminders whose time has come."""

from __future__ import annotations

import logging

from bot.followups import reminders
from bot.jobs import Job, JobContext, every

log = logging.getLogger(__name__)


async def send_reminders(ctx: JobContext) -> None:
    """Follow-up reminders whose time has come, as WeCom app messages to the staff member."""
    outcome = await reminders.send_due_reminders(ctx.wecom, ctx.settings)
    if outcome:
        log.info("reminders: %s", dict(outcome))


JOBS = (Job("reminders", every(lambda s: s.notify.reminder_interval), send_reminders),)
