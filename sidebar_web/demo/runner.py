"""`scrm demo`: a seeded WeCom emulator, the server and the worker in one process, SQLite in a data directory.

The emulator plays WeCom with a believable corp; our server learns it the way it would learn a real one:
a full sync through the API, then callbacks (the customers who had deleted their advisor, and live
activity). Nothing is written to our tables directly.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import tempfile

from aiohttp import web

from bot import runtime
from bot.appkeys import HTTP
from bot.inbox import writer as inbox
from bot.settings import Settings
from sidebar_web.commands import free_port, sync_with_bars, url_of, wait_for_signal

log = logging.getLogger(__name__)


async def demo(
    settings: Settings, data_dir: str | None, port: int, emulator_port: int, customers: int
) -> int:
    from bot.wecom.emulator import CorpConfig, Emulator, run_emulator
    from bot.wecom.emulator.seed import populate
    from sidebar_web.app import create_app

    tmp = None
    if data_dir is None:
        tmp = tempfile.TemporaryDirectory(prefix="scrm-demo-")
        data_dir = tmp.name
    os.makedirs(data_dir, exist_ok=True)
    host = settings.server.host
    port = port or free_port(host)  # links in pages and in the emulator need the port before start
    server_url = f"http://{host}:{port}"
    corp = CorpConfig.generate()
    emu = Emulator(
        corp,
        retries=settings.emulator.callback_retries,
        callback_timeout=settings.emulator.callback_timeout,
        mirror_link=f"{server_url}/console/customers/{{external_userid}}",
    )
    emu_runner = await run_emulator(emu, host, emulator_port)
    emu_url = url_of(emu_runner, host)
    company = populate(emu.state, customers=customers, avatar_base=emu_url)
    token = secrets.token_urlsafe(32)
    settings = settings.replace(
        server={"public_url": server_url},
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
            "oauth_url": f"{emu_url}/_emulator/oauth/authorize",
        },
        access={
            "admins": (company.admin,),
            "department_admins": {u: (d,) for u, d in company.department_admins.items()},
            "api_tokens": (token,),
        },
        sync={"auto_when_empty": False},  # the demo syncs in the foreground, with a progress bar
        emulator={"jssdk_shim": True},  # the sidebar works in a normal browser
    )
    app = create_app(settings)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    try:
        await emu.callbacks.configure(f"{server_url}/wecom/callback")
        print(
            f"WeCom emulator at {emu_url}: {company.customers} customers, {len(company.staff)} staff",
            flush=True,
        )
        await sync_with_bars(runtime.wecom_client(app[HTTP], settings), settings)
        # WeCom told the server about each customer who deleted their advisor when it happened.
        lost = [f for f in emu.state.follows.values() if f.lost]
        for follow in lost:
            emu.actions.announce_lost(follow.userid, follow.external_userid)
        played = company.play(emu.actions, 20)
        await emu.callbacks.drain()
        await _settle()
        names = {u: m.name for u, m in emu.state.members.items()}
        print(
            f"callbacks: {len(lost)} customers who had deleted their advisor, {len(played)} live actions",
            flush=True,
        )
        radars = await _radars(settings, emu.state, company)
        if radars:
            print(f"radars: {radars} smart radars in 2 groups, ready to send from the sidebar", flush=True)
        _print_urls(
            settings, company, names, emu_url, token, data_dir if tmp is None else f"{data_dir} (temporary)"
        )
        await wait_for_signal()
    finally:
        await runner.cleanup()
        await emu_runner.cleanup()
        if tmp:
            tmp.cleanup()
    return 0


async def _radars(settings: Settings, state, company) -> int:
    """The demo's radar groups and radars (the console's content, not the corp's): the product group is for
    销售部, and the lock white paper tags its readers 智能门锁."""
    from sidebar_web.demo.radars import create_demo_radars

    sales = next((d.id for d in state.departments.values() if d.name == "销售部"), None)
    interest = state.tags_of_group(company.tag_groups["意向产品"])
    locks = [t.id for t in interest if t.name == "智能门锁"]
    return await create_demo_radars(settings.data_dir, sales, locks)


async def _settle(seconds: float = 60.0) -> None:
    """Wait until the worker has handled what the callbacks brought (the demo shows a finished state)."""
    for _ in range(int(seconds / 0.1)):
        if (await inbox.counts()).pending == 0:
            return
        await asyncio.sleep(0.1)
    log.warning("the inbox still has pending events; they will be handled in the background")


def _print_urls(
    settings: Settings, company, names: dict[str, str], emu_url: str, token: str, data: str
) -> None:
    server_url = settings.public_url
    admin = f"{names.get(company.admin, company.admin)} ({company.admin})"
    department_admins = "、".join(f"{names.get(u, u)} ({u})" for u in company.department_admins)
    print(
        "scrm demo is running (Ctrl+C stops it)\n"
        f"  console          {server_url}/console/\n"
        f"                   log in as the admin {admin}, a department admin {department_admins},"
        " or any staff member\n"
        f"  sidebar          {server_url}/sidebar/try  (pick a chat as if in WeCom's chat toolbar)\n"
        f"  emulator console {emu_url}/_emulator/  (act as customers and staff, watch callbacks arrive)\n"
        f"  read API         curl -H 'Authorization: Bearer {token}' {server_url}/api/v1/customers?limit=5\n"
        f"  OpenAPI          {server_url}/api/v1/openapi.json\n"
        f"  server           {server_url}\n"
        f"  health           {server_url}/healthz\n"
        f"  WeCom emulator   {emu_url}/_emulator/config\n"
        f"  callback URL     {server_url}/wecom/callback (verified by the emulator)\n"
        f"  corp_id          {settings.wecom.corp_id}\n"
        f"  data directory   {data}",
        flush=True,
    )
