"""What each `scrm` subcommand does, once its settings are loaded and valid."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
import tempfile

from aiohttp import web

from bot import inbox as inbox_store
from bot import runtime
from bot.models import InboxEvent
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


async def sync(settings: Settings, *, restart: bool) -> int:
    """A full sync with a progress bar per phase; an interrupted one resumes unless `restart`."""
    from tqdm import tqdm

    from bot.services import sync as sync_service
    from bot.wecom.errors import WeComError

    require_wecom_api(settings)
    await db.open_db(settings)
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
        async with runtime.http_session() as session:
            client = runtime.wecom_client(session, settings)
            result = await sync_service.run_sync(
                client, stale_after=settings.sync.stale_after, restart=restart, progress=progress
            )
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
        for bar in bars.values():
            bar.close()
        await db.close_db()
    how = "resumed and finished" if result.resumed else "finished"
    print(f"sync {how} (run {result.run_id}): {result.describe()}")
    return 0


async def inbox(settings: Settings, action: str, event_id: int | None, limit: int) -> int:
    await db.open_db(settings)
    try:
        if action == "replay":
            n = await inbox_store.replay(event_id)
            target = f"event {event_id}" if event_id is not None else "dead events"
            print(f"queued {n} event(s) again ({target})" if n else f"nothing to replay ({target})")
            return 0 if n else 1
        counts = await inbox_store.counts()
        print(f"inbox: {counts.total} stored, {counts.pending} pending, {counts.dead} dead")
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


async def _wait_for_signal() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()


def _url(runner: web.AppRunner, host: str) -> str:
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
    base = _url(runner, host)
    _print_corp(corp, base)
    if callback_url:
        await emu.callbacks.configure(callback_url)
        print(f"callback URL verified: {callback_url}", flush=True)
    try:
        await _wait_for_signal()
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


async def demo(settings: Settings, data_dir: str | None, port: int, emulator_port: int) -> int:
    """Emulator + server + worker in one process, the emulator delivering callbacks to the server."""
    from bot.wecom.emulator import CorpConfig, Emulator, run_emulator
    from sidebar_web.app import create_app

    tmp = None
    if data_dir is None:
        tmp = tempfile.TemporaryDirectory(prefix="scrm-demo-")
        data_dir = tmp.name
    os.makedirs(data_dir, exist_ok=True)
    host = settings.server.host
    corp = CorpConfig.generate()
    emu = Emulator(
        corp, retries=settings.emulator.callback_retries, callback_timeout=settings.emulator.callback_timeout
    )
    emu_runner = await run_emulator(emu, host, emulator_port)
    emu_url = _url(emu_runner, host)
    settings = settings.replace(
        data={"dir": data_dir},
        database={"url": ""},
        wecom={
            "corp_id": corp.corp_id,
            "token": corp.token,
            "encoding_aes_key": corp.encoding_aes_key,
            "agent_id": corp.agent_id,
            "agent_secret": corp.agent_secret,
            "contact_secret": corp.contact_secret,
            "api_base_url": emu_url,
        },
    )
    runner = web.AppRunner(create_app(settings), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    server_url = _url(runner, host)
    try:
        await emu.callbacks.configure(f"{server_url}/wecom/callback")
        print(
            "scrm demo is running (Ctrl+C stops it)\n"
            f"  server           {server_url}\n"
            f"  health           {server_url}/healthz\n"
            f"  WeCom emulator   {emu_url}/_emulator/config\n"
            f"  user actions     POST {emu_url}/_emulator/actions/<name> (state: GET /_emulator/customers)\n"
            f"  callback URL     {server_url}/wecom/callback (verified by the emulator)\n"
            f"  corp_id          {corp.corp_id}\n"
            f"  data directory   {data_dir}{' (temporary)' if tmp else ''}",
            flush=True,
        )
        await _wait_for_signal()
    finally:
        await runner.cleanup()
        await emu_runner.cleanup()
        if tmp:
            tmp.cleanup()
    return 0
