"""Shared fixtures: settings on a fresh database (SQLite file, or PostgreSQL when CI asks), the server."""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest

from bot.settings import Settings, load
from bot.wecom.crypto import CallbackCrypto
from bot.wecom.emulator import CorpConfig
from tests.recording import RECORDING_APPS, recording_router

pytest_plugins = ["tests.emulator_fixtures", "tests.readapi_corp"]

# The second CI pass sets this to a fresh PostgreSQL database; every test then starts from empty tables.
TEST_DATABASE_URL = os.environ.get("SCRM_TEST_DATABASE_URL", "")


def _truncate_postgres(url: str) -> None:
    import asyncio

    import asyncpg

    async def run() -> None:
        conn = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
        try:
            tables = await conn.fetch(
                "SELECT tablename FROM pg_tables "
                "WHERE schemaname = 'public' AND tablename <> 'tortoise_migrations'"
            )
            if tables:
                names = ", ".join(f'"{t["tablename"]}"' for t in tables)
                await conn.execute(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
        finally:
            await conn.close()

    asyncio.run(run())


@pytest.fixture
def corp() -> CorpConfig:
    return CorpConfig.generate(seed=7)


@pytest.fixture
def crypto(corp: CorpConfig) -> CallbackCrypto:
    return CallbackCrypto(corp.token, corp.encoding_aes_key, corp.corp_id)


@pytest.fixture
def make_settings(tmp_path, corp: CorpConfig) -> Callable[..., Settings]:
    """Settings for a test: its own data directory and database, fast inbox timings."""
    if TEST_DATABASE_URL:
        _truncate_postgres(TEST_DATABASE_URL)

    def make(api_base_url: str = "http://127.0.0.1:9", **sections: dict) -> Settings:
        env = {
            "SCRM_DATA__DIR": str(tmp_path / "data"),
            "SCRM_DATABASE__URL": TEST_DATABASE_URL,
            "SCRM_WECOM__CORP_ID": corp.corp_id,
            "SCRM_WECOM__TOKEN": corp.token,
            "SCRM_WECOM__ENCODING_AES_KEY": corp.encoding_aes_key,
            "SCRM_WECOM__AGENT_ID": str(corp.agent_id),
            "SCRM_WECOM__AGENT_SECRET": corp.agent_secret,
            "SCRM_WECOM__CONTACT_SECRET": corp.contact_secret,
            "SCRM_WECOM__API_BASE_URL": api_base_url,
        }
        settings = load(env=env)
        inbox = {
            "poll_interval": 0.02,
            "retry_base_delay": 0.05,
            "retry_max_delay": 0.2,
            "lease_seconds": 30.0,
        }
        inbox.update(sections.pop("inbox", {}))
        # A background sync on the empty mirror would race each test's own events; its test turns it on.
        sync = {"auto_when_empty": False, **sections.pop("sync", {})}
        return settings.replace(inbox=inbox, sync=sync, **sections)

    return make


@pytest.fixture
def settings(make_settings) -> Settings:
    return make_settings()


@pytest.fixture
async def server(aiohttp_client, settings):
    """The real server (callback, health) with a recording handler instead of the product handlers."""
    from sidebar_web.app import create_app

    app = create_app(settings, router=recording_router(), extra_model_apps=RECORDING_APPS)
    return await aiohttp_client(app)


@pytest.fixture
async def mirror(aiohttp_server, make_settings, emulator, emulator_server):
    """Our server with the product handlers, talking to the emulator both ways; yields the emulator."""
    from sidebar_web.app import create_app

    settings = make_settings(api_base_url=str(emulator_server.make_url("")))
    server = await aiohttp_server(create_app(settings))
    await emulator.callbacks.configure(str(server.make_url("/wecom/callback")))
    yield emulator
    # Stop WeCom's side first: deliveries still arriving would hold our server's graceful shutdown open.
    await emulator.callbacks.close()


async def settled(emulator) -> None:
    """Every callback the emulator sent is delivered and handled, and none failed for good."""
    import asyncio

    from bot.inbox import writer as inbox

    await emulator.callbacks.drain()
    for _ in range(500):
        counts = await inbox.counts()
        if counts.pending == 0:
            assert counts.dead == 0, "an event failed"
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the inbox did not settle")


@pytest.fixture
async def live_database(aiohttp_server, settings):
    """The server's database, open, with no callbacks involved."""
    from sidebar_web.app import create_app

    return await aiohttp_server(create_app(settings, run_worker=False))
