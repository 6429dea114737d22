"""What a scheduled job is: a named coroutine and its trigger. Each domain package lists its own jobs
(`<package>/jobs.py: JOBS`); bot.scheduler runs them all."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.settings import Settings


@dataclass(frozen=True)
class JobContext:
    settings: Settings
    wecom: object


@dataclass(frozen=True)
class Job:
    """A named coroutine and when it runs; `trigger` returns None when the settings switch it off."""

    name: str
    trigger: Callable[[Settings], BaseTrigger | None]
    run: Callable[[JobContext], Awaitable[None]]


def every(seconds: Callable[[Settings], float]) -> Callable[[Settings], BaseTrigger]:
    """The trigger of a job that runs every `seconds(settings)` seconds."""
    return lambda settings: IntervalTrigger(seconds=seconds(settings))
