"""Fixtures around the WeCom emulator: a corp, a running emulator, a client for it, a callback receiver."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.wecom.client import WeComClient
from bot.wecom.crypto import CallbackCrypto, CallbackRejected
from bot.wecom.emulator import CorpConfig, Emulator, OffsetClock
from bot.wecom.tokens import MemoryTokenStore


class CallbackReceiver:
    """A stand-in for our callback endpoint: verifies, decrypts, records, answers as scripted."""

    def __init__(self, corp: CorpConfig):
        self.crypto = CallbackCrypto(corp.token, corp.encoding_aes_key, corp.corp_id)
        self.posts: list[tuple[str, int]] = []  # (plaintext, status answered) per POST
        self.statuses: list[int] = []  # answered in order, then 200
        self.delay = 0.0
        self.echo: str | None = None  # answer this instead of the decrypted echostr
        self.url = ""

    @property
    def events(self) -> list[str]:
        """Plaintexts of the POSTs answered with 200."""
        return [plain for plain, status in self.posts if status == 200]

    async def on_get(self, request: web.Request) -> web.Response:
        q = request.query
        try:
            plain = self.crypto.verify_url(q["msg_signature"], q["timestamp"], q["nonce"], q["echostr"])
        except (KeyError, CallbackRejected):
            return web.Response(status=403)
        return web.Response(text=self.echo if self.echo is not None else plain)

    async def on_post(self, request: web.Request) -> web.Response:
        q = request.query
        try:
            plain = self.crypto.decrypt_body(
                await request.read(), q["msg_signature"], q["timestamp"], q["nonce"]
            )
        except (KeyError, CallbackRejected):
            return web.Response(status=403)
        if self.delay:
            await asyncio.sleep(self.delay)
        status = self.statuses.pop(0) if self.statuses else 200
        self.posts.append((plain, status))
        return web.Response(status=status, text="")

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/wecom/callback", self.on_get)
        app.router.add_post("/wecom/callback", self.on_post)
        return app


@pytest.fixture
def emulator_clock() -> OffsetClock:
    return OffsetClock()


@pytest.fixture
def corp() -> CorpConfig:
    return CorpConfig.generate(seed=7)


@pytest.fixture
async def emulator(corp: CorpConfig, emulator_clock: OffsetClock) -> AsyncIterator[Emulator]:
    emu = Emulator(corp, clock=emulator_clock, retry_delay=0.01, callback_timeout=2.0)
    yield emu
    await emu.close()


@pytest.fixture
async def emulator_server(emulator: Emulator, aiohttp_server) -> TestServer:
    return await aiohttp_server(emulator.app())


@pytest.fixture
async def wecom_session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def make_client(
    session: aiohttp.ClientSession, server: TestServer, corp: CorpConfig, **overrides: object
) -> WeComClient:
    options: dict[str, object] = {
        "base_url": str(server.make_url("")),
        "corp_id": corp.corp_id,
        "agent_id": corp.agent_id,
        "agent_secret": corp.agent_secret,
        "contact_secret": corp.contact_secret,
        "token_store": MemoryTokenStore(),
        "rate_per_second": 1000,
        "backoff_base": 0.001,
    }
    options.update(overrides)
    return WeComClient(session, **options)  # type: ignore[arg-type]


@pytest.fixture
def wecom_client(
    emulator_server: TestServer, corp: CorpConfig, wecom_session: aiohttp.ClientSession
) -> WeComClient:
    return make_client(wecom_session, emulator_server, corp)


@pytest.fixture
async def callback_receiver(corp: CorpConfig, aiohttp_server) -> CallbackReceiver:
    receiver = CallbackReceiver(corp)
    server = await aiohttp_server(receiver.app())
    receiver.url = str(server.make_url("/wecom/callback"))
    return receiver
