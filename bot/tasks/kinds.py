"""What a task kind is (a name, a label, how one item runs) and the registry the runner looks kinds up in.

Each domain package lists its kinds (e.g. `bot/contacts/batch.py: KINDS`); bot.runtime composes them.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.settings import Settings

Json = dict[str, Any]


class TaskRefused(Exception):
    """A task or an action on it was refused; the message says why, in Chinese, for the person who asked."""


class ItemFailed(Exception):
    """The item was tried and did not take effect; `code` is WeCom's errcode when WeCom refused it."""

    def __init__(self, message: str, code: int | None = None):
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class Outcome:
    """How an item ended without failing: done, or skipped with a reason (Chinese)."""

    status: str
    reason: str = ""


DONE = Outcome("done")


def skipped(reason: str) -> Outcome:
    return Outcome("skipped", reason)


@dataclass
class TaskContext:
    """What items run with: the WeCom client, the settings, and the task they belong to."""

    wecom: Any
    settings: Settings
    task_id: int = 0
    creator: str = ""
    # Per-task values worth keeping between items for a moment (e.g. the creator's scope); see `cached`.
    memo: dict[Any, tuple[float, Any]] = field(default_factory=dict)

    async def cached(self, key: Any, ttl: float, load: Callable[[], Awaitable[Any]]) -> Any:
        """`load()`'s value, reused for `ttl` seconds: scope is re-read often enough to follow role changes
        during a long task, not for every one of its items."""
        now = time.monotonic()
        hit = self.memo.get(key)
        if hit is not None and now - hit[0] < ttl:
            return hit[1]
        value = await load()
        self.memo[key] = (now, value)
        return value


RunItem = Callable[[TaskContext, Json, Json], Awaitable[Outcome]]
CheckItem = Callable[[TaskContext, Json, Json], Awaitable[bool]]


@dataclass(frozen=True)
class Kind:
    """A kind of task. `run_item` returns DONE or skipped(reason), or raises ItemFailed / a WeComError.

    `check_item` answers whether an item whose runner died mid-way already took effect; without it such an
    item is failed rather than run again, so no item is ever done twice.
    """

    name: str
    label: str  # Chinese, for the task center
    run_item: RunItem
    check_item: CheckItem | None = None
    # Normalises the parameters when a task is created; raises TaskRefused for bad ones.
    check_params: Callable[[Json], Json] = dict
    # The key fields every item carries, e.g. ("external_userid", "userid").
    item_fields: tuple[str, ...] = ()


class Registry:
    """Kinds by name, composed from every package's KINDS."""

    def __init__(self, kinds: Iterable[Kind] = ()):
        self._kinds: dict[str, Kind] = {}
        for kind in kinds:
            if kind.name in self._kinds:
                raise ValueError(f"task kind {kind.name!r} registered twice")
            self._kinds[kind.name] = kind

    def get(self, name: str) -> Kind | None:
        return self._kinds.get(name)

    def labels(self) -> Mapping[str, str]:
        return {name: kind.label for name, kind in self._kinds.items()}

    def __contains__(self, name: str) -> bool:
        return name in self._kinds
