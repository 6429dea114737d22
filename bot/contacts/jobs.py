"""The mirror's scheduled work: the nightly reconciliation, and a first full sync of an empty mirror."""

from __future__ import annotations

import logging
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger

from bot.contacts import sync
from bot.jobs import Job, JobContext
from bot.settings import Settings, SettingsError, require_wecom_api

log = logging.getLogger(__name__)


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


JOBS = (Job("reconcile", _reconcile_trigger, reconcile),)


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
