"""The radar's scheduled work: queued visit alerts and auto-tags."""

from __future__ import annotations

import logging

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.jobs import Job, JobContext
from bot.radar import alerts as radar_alerts
from bot.settings import Settings

log = logging.getLogger(__name__)


async def send_radar_alerts(ctx: JobContext) -> None:
    """Customers' radar visits: their auto-tags, and one merged app message per staff member."""
    outcome = await radar_alerts.flush(ctx.wecom, ctx.settings)
    if outcome:
        log.info("radar alerts: %s", dict(outcome))


def _radar_alerts_trigger(settings: Settings) -> BaseTrigger:
    return IntervalTrigger(seconds=settings.radar.alert_interval)


JOBS = (Job("radar_alerts", _radar_alerts_trigger, send_radar_alerts),)
