"""The radar's scheduled work: queued visit alerts and auto-tags."""

from __future__ import annotations

import logging

from bot.jobs import Job, JobContext, every
from bot.radar import alerts as radar_alerts

log = logging.getLogger(__name__)


async def send_radar_alerts(ctx: JobContext) -> None:
    """Customers' radar visits: their auto-tags, and one merged app message per staff member."""
    outcome = await radar_alerts.flush(ctx.wecom, ctx.settings)
    if outcome:
        log.info("radar alerts: %s", dict(outcome))


JOBS = (Job("radar_alerts", every(lambda s: s.radar.alert_interval), send_radar_alerts),)
