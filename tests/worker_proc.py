"""A worker process for the crash test: drains the inbox with a slow recording handler until killed."""

import asyncio
import os

from bot.inbox.worker import InboxWorker
from bot.settings import load
from bot.store import db
from tests.recording import RECORDING_APPS, slow_recording_router


async def main() -> None:
    settings = load()
    await db.open_db(settings, extra_apps=RECORDING_APPS)
    worker = InboxWorker(
        slow_recording_router(float(os.environ.get("HANDLER_DELAY", "0.02"))),
        settings.inbox,
        postgres=db.is_postgres(settings.database_url),
    )
    print("worker ready", flush=True)
    await worker.run()


if __name__ == "__main__":
    asyncio.run(main())
