"""A test handler that records, in the database and inside the handler's transaction, each run."""

from __future__ import annotations

import asyncio
import os

from tortoise import fields
from tortoise.models import Model

from bot.inbox.router import Context, Router
from bot.wecom.events import Event

RECORDING_APPS = {"testing": {"models": ["tests.recording"], "default_connection": "default"}}


class HandlerRun(Model):
    id = fields.IntField(primary_key=True)
    event_key = fields.CharField(max_length=200)
    partition_key = fields.CharField(max_length=160)
    create_time = fields.BigIntField()
    pid = fields.IntField()

    class Meta:
        table = "test_handler_run"
        app = "testing"


# Set by tests that want a handler to fail: {event_key: remaining failures}.
FAILURES: dict[str, int] = {}


def event_key(event: Event) -> str:
    d = event.data
    return "|".join(
        (
            event.event,
            event.change_type,
            d.get("UserID", ""),
            d.get("ExternalUserID", ""),
            d.get("ChatId", ""),
            d.get("Id", ""),
            str(event.create_time),
            d.get("State", ""),
        )
    )


async def record(event: Event, ctx: Context) -> None:
    key = event_key(event)
    if FAILURES.get(key, 0) > 0:
        FAILURES[key] -= 1
        raise RuntimeError(f"planned failure for {key}")
    await HandlerRun.create(
        event_key=key, partition_key=event.partition_key, create_time=event.create_time, pid=os.getpid()
    )


def recording_router() -> Router:
    router = Router()
    for family in (
        "change_external_contact",
        "change_external_chat",
        "change_external_tag",
        "change_contact",
    ):
        router.register(family)(record)
    return router


def slow_recording_router(delay: float) -> Router:
    """Records like `record`, but each handler sleeps inside its transaction: a crash lands mid-handler."""

    async def slow_record(event: Event, ctx: Context) -> None:
        await record(event, ctx)
        await asyncio.sleep(delay)

    router = Router()
    router.register("change_external_contact")(slow_record)
    return router
