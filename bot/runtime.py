"""Process resources shared by `serve`, `worker` and `demo`: the WeCom client and a standalone worker."""

from __future__ import annotations

import asyncio
import logging
import signal

from aiohttp import ClientSession, ClientTimeout

from bot.contacts import batch as contacts_batch
from bot.contacts import handlers as contacts_handlers
from bot.inbox.router import Context, Router
from bot.inbox.worker import InboxWorker
from bot.scheduler import Scheduler
from bot.settings import Settings
from bot.store import db
from bot.store.tokens import DbTokenStore
from bot.tasks.kinds import Registry
from bot.tasks.runner import TaskRunner
from bot.wecom.client import WeComClient

log = logging.getLogger(__name__)


def http_session() -> ClientSession:
    """The one outgoing HTTP session of a process."""
    return ClientSession(timeout=ClientTimeout(total=30, connect=10))


def wecom_client(session: ClientSession, settings: Settings) -> WeComClient:
    w = settings.wecom
    return WeComClient(
        session,
        base_url=w.api_base_url,
        corp_id=w.corp_id,
        agent_id=w.agent_id,
        agent_secret=w.agent_secret,
        contact_secret=w.contact_secret,
        token_store=DbTokenStore(),
        rate_per_second=w.rate_per_second,
        max_attempts=w.max_attempts,
    )


def default_router() -> Router:
    """Every package's event handlers, composed into one router for the inbox worker."""
    return Router.compose(*contacts_handlers.ROUTERS)


def inbox_worker(settings: Settings, client: WeComClient | None, router: Router | None = None) -> InboxWorker:
    return InboxWorker(
        router or default_router(),
        settings.inbox,
        context=Context(wecom=client, settings=settings),
        postgres=db.is_postgres(settings.database_url),
    )


def task_kinds() -> Registry:
    """Every package's task kinds, composed into one registry for the task runner."""
    return Registry(contacts_batch.KINDS)


def task_runner(settings: Settings, client: WeComClient | None, kinds: Registry | None = None) -> TaskRunner:
    return TaskRunner(kinds or task_kinds(), settings, client, postgres=db.is_postgres(settings.database_url))


async def run_worker(settings: Settings, router: Router | None = None) -> None:
    """`scrm worker`: drain the inbox, run the scheduled jobs and the task center's tasks until
    SIGINT/SIGTERM, then hand back claimed events and items."""
    await db.open_db(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        async with http_session() as session:
            client = wecom_client(session, settings)
            worker = inbox_worker(settings, client, router)
            await worker.start()
            scheduler = Scheduler(settings, client)
            scheduler.start()
            tasks = task_runner(settings, client)
            await tasks.start()
            await stop.wait()
            log.info("worker stopping")
            await tasks.stop()
            await scheduler.stop()
            await worker.stop()
    finally:
        await db.close_db()
