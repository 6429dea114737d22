"""The application factory: composes the bot's routes and resources into one aiohttp server."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

from aiohttp import web

from bot import runtime
from bot.appkeys import CRYPTO, HTTP, SETTINGS, WECOM
from bot.inbox import routes as bot_routes
from bot.inbox.router import Router
from bot.inbox.writer import INBOX, InboxWriter
from bot.radar import effects as radar_effects
from bot.scheduler import SCHEDULER, Scheduler
from bot.settings import Settings, require_wecom
from bot.store import datadir, db
from bot.tasks.runner import TASK_RUNNER
from bot.wecom.crypto import CallbackCrypto
from sidebar_web import admin, api, auth, client_address, media, radar, render, security, sidebar
from sidebar_web.errors import error_middleware
from sidebar_web.request_guard import check_routes, request_guard

log = logging.getLogger(__name__)


def create_app(
    settings: Settings,
    *,
    run_worker: bool = True,
    router: Router | None = None,
    extra_model_apps: dict | None = None,
) -> web.Application:
    """The server for these settings. `router` replaces the product handlers (tests prove the inbox with
    their own); `extra_model_apps` adds model apps without migrations (tests' own tables)."""
    require_wecom(settings)
    # First, before the session key (auth.setup) or anything else is written into the data directory.
    datadir.make_private(settings.data_dir)
    # The client's address first, so that every handler and log line after it reads the same one.
    app = web.Application(middlewares=[client_address.middleware(settings), error_middleware, request_guard])
    app[SETTINGS] = settings
    radar_effects.configure(settings)
    w = settings.wecom
    app[CRYPTO] = CallbackCrypto(w.token, w.encoding_aes_key, w.corp_id)

    async def database_ctx(app: web.Application) -> AsyncIterator[None]:
        await db.open_db(settings, extra_apps=extra_model_apps)
        yield
        await db.close_db()

    async def inbox_ctx(app: web.Application) -> AsyncIterator[None]:
        worker = None
        if run_worker:
            worker = runtime.inbox_worker(settings, app[WECOM], router)
        writer = InboxWriter(on_stored=worker.notify if worker else None)
        app[INBOX] = writer
        await writer.start()
        if worker:
            await worker.start()
        yield
        # Stop taking callbacks first, then let the worker hand back what it holds.
        await writer.stop()
        if worker:
            await worker.stop()

    app.cleanup_ctx.extend([database_ctx, http_ctx, wecom_ctx, inbox_ctx])
    if run_worker:
        app.cleanup_ctx.extend([scheduler_ctx, tasks_ctx])
    bot_routes.setup_routes(app)
    auth.setup(app, settings)
    api.setup_routes(app)
    admin.setup_routes(app)
    sidebar.setup_routes(app)
    media.setup_routes(app)
    radar.setup_routes(app)
    render.setup_static(app)
    check_routes(app)
    security.setup(app)
    return app


async def http_ctx(app: web.Application) -> AsyncIterator[None]:
    """One ClientSession per process, shared by every outgoing call."""
    async with runtime.http_session() as session:
        app[HTTP] = session
        yield


async def wecom_ctx(app: web.Application) -> AsyncIterator[None]:
    app[WECOM] = runtime.wecom_client(app[HTTP], app[SETTINGS])
    yield


async def scheduler_ctx(app: web.Application) -> AsyncIterator[None]:
    """Scheduled jobs (reconciliation) and the auto sync run where the worker runs."""
    scheduler = Scheduler(app[SETTINGS], app[WECOM])
    app[SCHEDULER] = scheduler
    scheduler.start()
    yield
    await scheduler.stop()


async def tasks_ctx(app: web.Application) -> AsyncIterator[None]:
    """The task center's runner runs where the worker runs; requests only create and cancel tasks."""
    runner = runtime.task_runner(app[SETTINGS], app[WECOM])
    app[TASK_RUNNER] = runner
    await runner.start()
    yield
    await runner.stop()
