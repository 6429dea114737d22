"""What each `scrm` subcommand does, once its settings are loaded and valid."""

from __future__ import annotations

import asyncio
import logging
import signal
import socket
import sys

from aiohttp import web

from bot import runtime
from bot.inbox import writer as inbox_store
from bot.inbox.models import InboxEvent
from bot.settings import Settings, require_wecom_api
from bot.store import db

log = logging.getLogger("scrm")


def serve(settings: Settings, *, worker: bool) -> int:
    from sidebar_web.app import create_app

    app = create_app(settings, run_worker=worker)
    ready = f"scrm serving on {settings.public_url} (callback: {settings.public_url}/wecom/callback)"
    web.run_app(
        app,
        host=settings.server.host,
        port=settings.server.port,
        print=lambda _: print(ready, flush=True),  # only once the database is up and the port is bound
        access_log=None,
    )
    return 0


def worker(settings: Settings) -> int:
    asyncio.run(runtime.run_worker(settings))
    return 0


async def migrate(settings: Settings, *, check: bool) -> int:
    await db.open_db(settings, migrate=False)
    try:
        pending = await db.pending_migrations()
        if check:
            print("\n".join(pending) if pending else "database schema is up to date")
            return 1 if pending else 0
        if not pending:
            print("database schema is up to date")
            return 0

        def progress(event: str, app_label: str, name: str) -> None:
            if event.endswith("start"):
                print(f"applying {app_label}.{name} ...", flush=True)

        await db.apply_migrations(progress=progress)
        print(f"applied {len(pending)} migration(s)")
        return 0
    finally:
        await db.close_db()


async def sync_with_bars(client, settings: Settings, *, restart: bool = False):
    """Run a full sync drawing a progress bar per phase in the terminal (`scrm sync`, `scrm demo`)."""
    from tqdm import tqdm

    from bot.contacts import sync as sync_service

    bars: dict[str, tqdm] = {}

    def progress(p: sync_service.Progress) -> None:
        bar = bars.get(p.phase)
        if bar is None:
            for other in bars.values():
                other.close()
            bar = bars[p.phase] = tqdm(desc=f"{p.phase:<10}", unit=" items", dynamic_ncols=True)
        bar.update(p.done - bar.n)
        bar.set_postfix_str(f"{p.changes} changes", refresh=False)

    try:
        return await sync_service.run_sync(
            client, stale_after=settings.sync.stale_after, restart=restart, progress=progress
        )
    finally:
        for bar in bars.values():
            bar.close()


async def sync(settings: Settings, *, restart: bool) -> int:
    """A full sync with a progress bar per phase; an interrupted one resumes unless `restart`."""
    from bot.contacts import sync as sync_service
    from bot.wecom.errors import WeComError

    require_wecom_api(settings)
    await db.open_db(settings)
    try:
        async with runtime.http_session() as session:
            client = runtime.wecom_client(session, settings)
            result = await sync_with_bars(client, settings, restart=restart)
    except sync_service.SyncBusy as exc:
        print(f"scrm: {exc}", file=sys.stderr)
        return 1
    except WeComError as exc:
        print(f"scrm: sync stopped: {exc}; `scrm sync` resumes it", file=sys.stderr)
        return 1
    except asyncio.CancelledError:  # Ctrl-C: the run is recorded as interrupted, at its last page
        print("scrm: sync interrupted; `scrm sync` resumes it", file=sys.stderr)
        raise
    finally:
        await db.close_db()
    how = "resumed and finished" if result.resumed else "finished"
    print(f"sync {how} (run {result.run_id}): {result.describe()}")
    return 0


async def inbox(settings: Settings, action: str, event_id: int | None, limit: int) -> int:
    await db.open_db(settings)
    try:
        target = f"event {event_id}" if event_id is not None else "dead events"
        if action == "replay":
            n = await inbox_store.replay(event_id)
            print(f"queued {n} event(s) again ({target})" if n else f"nothing to replay ({target})")
            return 0 if n else 1
        if action == "delete":
            n = await inbox_store.delete_dead(event_id)
            print(f"deleted {n} dead event(s)" if n else f"nothing to delete ({target}; only dead events)")
            return 0 if n else 1
        c = await inbox_store.counts()
        days = settings.inbox.retention_days
        print(
            f"inbox: {c.total} stored, {c.pending} pending, {c.dead} dead, "
            f"{c.handled} handled (kept {days} day(s), then deleted)"
        )
        for title, statuses in (("pending", InboxEvent.UNFINISHED), ("dead", (InboxEvent.DEAD,))):
            rows = await inbox_store.list_events(statuses, limit)
            if not rows:
                continue
            print(f"\n{title}:")
            for row in rows:
                kind = f"{row.event}/{row.change_type}".rstrip("/")
                when = row.received_at.strftime("%Y-%m-%d %H:%M:%S")
                note = f"  {row.last_error[:100]}" if row.last_error else ""
                print(f"  #{row.id:<8} {when}  {kind:<50} tries={row.attempts} {row.partition_key}{note}")
        return 0
    finally:
        await db.close_db()


async def wait_for_signal() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on now, for a server whose URL must be known before it starts."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def url_of(runner: web.AppRunner, host: str) -> str:
    port = runner.addresses[0][1]
    return f"http://{host}:{port}"


async def emulator(
    settings: Settings, host: str | None, port: int | None, callback_url: str | None, seed: int | None
) -> int:
    from bot.wecom.emulator import CorpConfig, Emulator, run_emulator

    w = settings.wecom
    if w.callback_ready and w.agent_secret and w.contact_secret:
        corp = CorpConfig(
            w.corp_id, w.token, w.encoding_aes_key, w.agent_id or 1000002, w.agent_secret, w.contact_secret
        )
    else:
        corp = CorpConfig.generate(seed)
    e = settings.emulator
    emu = Emulator(corp, retries=e.callback_retries, callback_timeout=e.callback_timeout)
    host = host or e.host
    runner = await run_emulator(emu, host, e.port if port is None else port)
    base = url_of(runner, host)
    _print_corp(corp, base)
    if callback_url:
        await emu.callbacks.configure(callback_url)
        print(f"callback URL verified: {callback_url}", flush=True)
    try:
        await wait_for_signal()
    finally:
        await runner.cleanup()
    return 0


def _print_corp(corp, base: str) -> None:
    print(
        "WeCom emulator\n"
        f"  API base URL     {base}  (set wecom.api_base_url)\n"
        f"  corp_id          {corp.corp_id}\n"
        f"  token            {corp.token}\n"
        f"  encoding_aes_key {corp.encoding_aes_key}\n"
        f"  agent_id         {corp.agent_id}\n"
        f"  agent_secret     {corp.agent_secret}\n"
        f"  contact_secret   {corp.contact_secret}\n"
        f"  control          {base}/_emulator/config",
        flush=True,
    )
