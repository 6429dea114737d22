"""A worker process for the batch-tag crash test: runs the task center against the emulator until killed."""

import asyncio

from bot import runtime
from bot.settings import load
from bot.store import db


async def main() -> None:
    settings = load()
    await db.open_db(settings)
    async with runtime.http_session() as session:
        runner = runtime.task_runner(settings, runtime.wecom_client(session, settings))
        await runner.start()
        print("task runner ready", flush=True)
        await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main())
