"""Full sync and reconciliation: directory, tags, customers and groups read from WeCom into the mirror.

Every page is applied in one transaction together with the run's checkpoint, so a crash or Ctrl-C resumes
from the last applied page. Relations and groups WeCom no longer lists are found afterwards by their
synced_at, older than the run's start, instead of by holding every id in memory.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from bot.contacts import customers, directory, groups, tags
from bot.contacts.aio import ahead, stop
from bot.contacts.models import Customer, GroupChat, Member, SyncRun
from bot.wecom.client import BATCH_USERIDS
from bot.wecom.errors import WeComError

log = logging.getLogger(__name__)

T = TypeVar("T")
PHASES = ("directory", "tags", "customers", "unlisted", "groups", "dismissed")
PAGE_LIMIT = 100  # batch/get_by_user's largest page
GROUP_PAGE_LIMIT = 1000  # groupchat/list's largest page
OWNER_FILTER_MAX = 100  # groupchat/list's owner_filter.userid_list limit
TOO_MANY_OWNERS = 81017
HEARTBEAT_SECONDS = 10.0

# What a count means in a log line, singular and plural.
LABELS = {
    "departments_changed": ("department changed", "departments changed"),
    "members_changed": ("member added or changed", "members added or changed"),
    "members_removed": ("member removed", "members removed"),
    "tags_changed": ("tag or tag group changed", "tags or tag groups changed"),
    "customers_added": ("customer added", "customers added"),
    "customers_updated": ("customer profile changed", "customer profiles changed"),
    "relations_added": ("relation added", "relations added"),
    "relations_updated": ("relation changed", "relations changed"),
    "relations_ended": ("relation ended", "relations ended"),
    "groups_added": ("group added", "groups added"),
    "groups_updated": ("group changed", "groups changed"),
    "groups_dismissed": ("group dismissed", "groups dismissed"),
    "group_joins": ("group join", "group joins"),
    "group_quits": ("group quit", "group quits"),
}


class SyncBusy(Exception):
    """Another process runs a sync now (its heartbeat is fresh)."""


@dataclass(frozen=True)
class Progress:
    """Where a run is: its phase, how many items that phase applied, and the changes found so far."""

    phase: str
    done: int
    changes: int


@dataclass
class SyncResult:
    run_id: int
    resumed: bool
    changes: Counter[str] = field(default_factory=Counter)
    reads: Counter[str] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.changes.values())

    def describe(self) -> str:
        """'3 changes (1 customer added, 2 relations ended)'."""
        parts = [f"{n} {LABELS.get(k, (k, k))[n != 1]}" for k in LABELS if (n := self.changes.get(k, 0))]
        head = f"{self.total} change{'s' if self.total != 1 else ''}"
        return f"{head} ({', '.join(parts)})" if parts else head


async def mirror_is_empty() -> bool:
    return not await Member.exists() and not await Customer.exists()


async def run_sync(
    wecom,
    *,
    stale_after: float = 120.0,
    trigger: str = "cli",
    restart: bool = False,
    progress: Callable[[Progress], None] | None = None,
) -> SyncResult:
    """Run a full sync, resuming the last unfinished one unless `restart`; raises SyncBusy when another
    process runs one. Returns what changed (drift) and what was read."""
    row, resumed = await _claim(trigger, restart, stale_after)
    run = _Run(row, resumed, progress)
    beat = asyncio.create_task(_heartbeat(row.id))
    try:
        await _phases(wecom, run)
    except BaseException as exc:  # a WeCom error, a crash of the database, Ctrl-C: resumable
        await _release(run, SyncRun.FAILED, f"{type(exc).__name__}: {exc}"[:2000])
        raise
    finally:
        await stop(beat)
    await _release(run, SyncRun.DONE, "")
    result = SyncResult(row.id, resumed, run.changes, run.reads)
    log.info("sync (run %d, %s%s): %s", row.id, trigger, ", resumed" if resumed else "", result.describe())
    return result


class _Run:
    def __init__(self, row: SyncRun, resumed: bool, progress: Callable[[Progress], None] | None):
        self.row = row
        self.resumed = resumed
        self.changes: Counter[str] = Counter(row.counts.get("changes", {}))
        self.reads: Counter[str] = Counter(row.counts.get("reads", {}))
        self._progress = progress
        self._done: Counter[str] = Counter()

    def counts(self) -> dict[str, Any]:
        return {"changes": dict(self.changes), "reads": dict(self.reads)}

    async def checkpoint(self, phase: str, checkpoint: dict[str, Any], **extra: Any) -> None:
        """Record where the run stands; call inside the transaction that applied the page."""
        self.row.phase, self.row.checkpoint = phase, checkpoint
        await SyncRun.filter(id=self.row.id).update(
            phase=phase, checkpoint=checkpoint, counts=self.counts(), heartbeat_at=datetime.now(UTC), **extra
        )

    def report(self, phase: str, done: int) -> None:
        self._done[phase] += done
        if self._progress is not None:
            self._progress(Progress(phase, self._done[phase], sum(self.changes.values())))


async def _claim(trigger: str, restart: bool, stale_after: float) -> tuple[SyncRun, bool]:
    now = datetime.now(UTC)
    # A run whose process died without a word gives up the lock once its heartbeat is old.
    await SyncRun.filter(lock=SyncRun.LOCK, heartbeat_at__lt=now - timedelta(seconds=stale_after)).update(
        lock=None, status=SyncRun.FAILED, error="stopped without finishing (no heartbeat)"
    )
    holder = await SyncRun.get_or_none(lock=SyncRun.LOCK)
    if holder is not None:
        raise _busy(holder)
    last = await SyncRun.filter(status=SyncRun.FAILED).order_by("-id").first()
    try:
        if last is not None and not restart:
            claimed = await SyncRun.filter(id=last.id, status=SyncRun.FAILED, lock__isnull=True).update(
                lock=SyncRun.LOCK, status=SyncRun.RUNNING, heartbeat_at=now, error=""
            )
            if claimed:
                return await SyncRun.get(id=last.id), True
        elif last is not None:
            await SyncRun.filter(id=last.id, status=SyncRun.FAILED).update(status=SyncRun.ABANDONED)
        row = await SyncRun.create(
            trigger=trigger, lock=SyncRun.LOCK, phase=PHASES[0], started_at=now, heartbeat_at=now
        )
        return row, False
    except IntegrityError:  # another process took the lock between our look and our claim
        pass
    holder = await SyncRun.get_or_none(lock=SyncRun.LOCK)
    raise _busy(holder)


def _busy(holder: SyncRun | None) -> SyncBusy:
    if holder is None:
        return SyncBusy("another sync has just started")
    beat = holder.heartbeat_at.strftime("%Y-%m-%d %H:%M:%S UTC")
    return SyncBusy(
        f"a sync is already running (run {holder.id}, started by {holder.trigger}, "
        f"phase {holder.phase}, last heartbeat {beat})"
    )


async def _release(run: _Run, status: str, error: str) -> None:
    now = datetime.now(UTC)
    done = {"phase": "done", "checkpoint": {}} if status == SyncRun.DONE else {}
    await SyncRun.filter(id=run.row.id).update(
        status=status, lock=None, error=error, counts=run.counts(), finished_at=now, heartbeat_at=now, **done
    )


async def _heartbeat(run_id: int) -> None:
    """Long waits (rate limits, WeCom's backoff) between pages must not look like a dead run."""
    while True:
        await asyncio.sleep(HEARTBEAT_SECONDS)
        await SyncRun.filter(id=run_id, lock=SyncRun.LOCK).update(heartbeat_at=datetime.now(UTC))


async def _phases(wecom, run: _Run) -> None:
    start = PHASES.index(run.row.phase) if run.row.phase in PHASES else 0
    steps = {
        "directory": _directory,
        "tags": _tags,
        "customers": _customers,
        "unlisted": _unlisted,
        "groups": _groups,
        "dismissed": _dismissed,
    }
    for i, phase in enumerate(PHASES[start:], start=start):
        if i > start:
            run.row.checkpoint = {}
        await steps[phase](wecom, run)
        if i + 1 < len(PHASES):
            async with in_transaction():
                await run.checkpoint(PHASES[i + 1], {})


async def _step(
    run: _Run, phase: str, after: dict[str, Any], apply: Callable[[], Any], reads: dict[str, int]
) -> int:
    """Apply one page and record the checkpoint after it, in one transaction; returns the changes made.

    A callback handled at the same moment may insert the same relation first (PostgreSQL runs them side
    by side): the page's rows are then read again and it is applied once more."""
    for attempt in range(3):
        before = run.changes.copy(), run.reads.copy()
        try:
            async with in_transaction():
                changes = await apply()
                run.changes.update(changes)
                run.reads.update(reads)
                await run.checkpoint(phase, after)
            return sum(changes.values())
        except IntegrityError:
            run.changes, run.reads = before
            if attempt == 2:
                raise
            log.info("sync: a page collided with a concurrent update, applying it again")
        except BaseException:
            run.changes, run.reads = before
            raise
    raise AssertionError("unreachable")


async def _directory(wecom, run: _Run) -> None:
    departments, users = await directory.fetch_directory(wecom)

    async def apply() -> Counter[str]:
        result = await directory.apply_directory(departments, users)
        return Counter(
            departments_changed=result.departments_changed,
            members_changed=result.members_changed,
            members_removed=result.removed,
        )

    await _step(run, "directory", {"done": True}, apply, {"members": len(users)})
    run.report("directory", len(users))


async def _tags(wecom, run: _Run) -> None:
    listed = await tags.fetch_tag_list(wecom)

    async def apply() -> Counter[str]:
        return Counter(tags_changed=(await tags.apply_tag_list(listed)).changed)

    count = sum(len(g.get("tag", [])) for g in listed)
    await _step(run, "tags", {"done": True}, apply, {"tags": count})
    run.report("tags", count)


async def _customers(wecom, run: _Run) -> None:
    """Every customer of every follow member: batch/get_by_user over chunks of members, cursor by cursor."""
    checkpoint = run.row.checkpoint
    if "chunk" not in checkpoint:
        users = sorted((await wecom.get_follow_user_list()).get("follow_user", []))
        checkpoint = {"chunk": 0, "cursor": ""}
        async with in_transaction():
            run.row.follow_users = users
            await run.checkpoint("customers", checkpoint, follow_users=users)
    users = run.row.follow_users
    chunks = [users[i : i + BATCH_USERIDS] for i in range(0, len(users), BATCH_USERIDS)]

    async def pages() -> AsyncIterator[tuple[list[dict[str, Any]], dict[str, Any]]]:
        chunk, cursor = checkpoint["chunk"], checkpoint["cursor"]
        while chunk < len(chunks):
            page = await wecom.batch_get_by_user(chunks[chunk], cursor=cursor, limit=PAGE_LIMIT)
            cursor = page.get("next_cursor") or ""
            chunk += 0 if cursor else 1
            yield page.get("external_contact_list", []), {"chunk": chunk, "cursor": cursor}

    async for records, after in ahead(pages()):
        apply = lambda records=records: customers.apply_page(records)  # noqa: E731
        await _step(run, "customers", after, apply, {"records": len(records)})
        run.report("customers", len(records))


async def _unlisted(wecom, run: _Run) -> None:
    """Active relations no page confirmed during this run: staff deleted them in WeCom."""
    while True:
        ended = 0

        async def apply() -> Counter[str]:
            nonlocal ended
            ended, changes = await customers.end_unconfirmed(run.row.started_at)
            return changes

        await _step(run, "unlisted", {}, apply, {})
        if not ended:
            return
        run.report("unlisted", ended)


async def _groups(wecom, run: _Run) -> None:
    """Every group from groupchat/list (cursor), each read with groupchat/get and applied on its own.

    WeCom refuses an unfiltered list when the app sees more than 1000 members (81017): the list is then
    read per 100 owners, the active members of the directory just synced."""
    checkpoint = run.row.checkpoint or {"cursor": "", "index": 0}
    if checkpoint.get("done"):
        return
    owners = await _owners() if "owners" in checkpoint else None

    async def chats() -> AsyncIterator[tuple[str, dict[str, Any] | None, dict[str, Any]]]:
        nonlocal owners
        cursor, skip, chunk = checkpoint["cursor"], checkpoint["index"], checkpoint.get("owners", 0)
        while owners is None or chunk < len(owners):
            mode = {} if owners is None else {"owners": chunk}
            try:
                page = await wecom.groupchat_list(
                    owner_userids=None if owners is None else owners[chunk],
                    cursor=cursor,
                    limit=GROUP_PAGE_LIMIT,
                )
            except WeComError as exc:
                if exc.errcode != TOO_MANY_OWNERS or owners is not None:
                    raise
                owners, chunk = await _owners(), 0
                run.reads["group_owner_chunks"] = len(owners)
                continue
            listed = page.get("group_chat_list", [])
            following = page.get("next_cursor") or ""
            for index, item in enumerate(listed[skip:], start=skip + 1):
                data = await groups.fetch_group(wecom, item["chat_id"])
                after = {"cursor": cursor, "index": index, **mode}
                if index == len(listed):  # the next item comes from the next page, the next owners, or none
                    after = {"cursor": following, "index": 0, **mode}
                    if not following:
                        after = {"done": True} if owners is None else {**after, "owners": chunk + 1}
                yield item["chat_id"], data, after
            cursor, skip = following, 0
            if not following:
                if owners is None:
                    return
                chunk += 1

    async for chat_id, data, after in ahead(chats()):
        apply = lambda chat_id=chat_id, data=data: groups.apply_group(chat_id, data)  # noqa: E731
        await _step(run, "groups", after, apply, {"groups": 1})
        run.report("groups", 1)


async def _owners() -> list[list[str]]:
    """Active members in chunks of 100, groupchat/list's owner_filter limit."""
    userids = sorted(await Member.filter(active=True).values_list("userid", flat=True))
    return [userids[i : i + OWNER_FILTER_MAX] for i in range(0, len(userids), OWNER_FILTER_MAX)]


async def _dismissed(wecom, run: _Run) -> None:
    """Groups groupchat/list no longer names were dismissed. When the list was read per owner, a group of
    an owner who left could not be listed at all, so only groups of the owners asked about count."""
    stale = GroupChat.filter(dismissed=False, synced_at__lt=run.row.started_at)
    if run.reads["group_owner_chunks"]:
        stale = stale.filter(owner__in=await Member.filter(active=True).values_list("userid", flat=True))
    while True:
        chats = await stale.limit(100)
        if not chats:
            return
        for chat in chats:
            apply = lambda chat_id=chat.chat_id: groups.apply_group(chat_id, None)  # noqa: E731
            await _step(run, "dismissed", {}, apply, {})
        run.report("dismissed", len(chats))
