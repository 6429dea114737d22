"""The inbox's scheduled work: handled events deleted after inbox.retention_days, a small batch at a time."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta

from bot.inbox.models import InboxEvent
from bot.inbox.writer import utcnow
from bot.jobs import Job, JobContext, every

log = logging.getLogger(__name__)

# Rows one DELETE removes: a few milliseconds of SQLite's write lock, so callbacks stored meanwhile (which
# WeCom answers within 5 s) never wait behind the pruning.
PRUNE_BATCH = 500


async def prune(retention_days: int, now: datetime | None = None, *, batch: int = PRUNE_BATCH) -> int:
    """Delete done and skipped events finished more than `retention_days` ago; returns how many. Dead,
    pending and running events are never touched.

    Every handled row was claimed once its next_attempt_at had come, so next_attempt_at <= finished_at: the
    bound on next_attempt_at lets the (status, next_attempt_at) index find the old rows without a scan."""
    cutoff = (now or utcnow()) - timedelta(days=retention_days)
    old = {"status__in": InboxEvent.HANDLED, "next_attempt_at__lt": cutoff, "finished_at__lt": cutoff}
    total = 0
    while True:
        ids = await InboxEvent.filter(**old).limit(batch).values_list("id", flat=True)
        if not ids:
            return total
        # The conditions again: an event replayed since the read is pending now and stays.
        total += await InboxEvent.filter(id__in=list(ids), **old).delete()
        if len(ids) < batch:
            return total
        await asyncio.sleep(0)  # each batch commits on its own; let waiting writes in between


async def prune_inbox(ctx: JobContext) -> None:
    days = ctx.settings.inbox.retention_days
    if pruned := await prune(days):
        log.info("inbox: deleted %d handled event(s) older than %d day(s)", pruned, days)


JOBS = (Job("inbox_prune", every(lambda s: 3600), prune_inbox),)
