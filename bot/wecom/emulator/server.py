"""The Emulator: one corp's state, REST API, callback sender and user actions behind one aiohttp app."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import AsyncIterator, Callable

from aiohttp import web

from ..crypto import CallbackCrypto
from .actions import UserActions
from .api.gateway import Gateway
from .appkey import EMULATOR_KEY
from .callbacks import CallbackSender
from .config import CorpConfig
from .console import setup_console_routes
from .state import CorpState
from .wechat import OfficialAccount, setup_wechat_routes


class Emulator:
    """A local stand-in for WeCom. A `callback_url` given here is trusted without the GET handshake;
    `await emulator.callbacks.configure(url)` performs it like the admin console does. `mirror_link`
    (e.g. "http://127.0.0.1:8080/console/customers/{external_userid}") links the console's customers
    to our server's page for them."""

    def __init__(
        self,
        corp: CorpConfig,
        *,
        callback_url: str | None = None,
        retries: int = 3,
        callback_timeout: float = 5.0,
        retry_delay: float = 0.2,
        duplicate_rate: float = 0.0,
        reorder_rate: float = 0.0,
        drop_rate: float = 0.0,
        seed: int = 0,
        token_ttl: int = 7200,
        rate_limit_per_minute: int = 10000,
        clock: Callable[[], float] = time.time,
        mirror_link: str | None = None,
    ):
        if mirror_link is not None and "{external_userid}" not in mirror_link:
            raise ValueError("mirror_link must contain {external_userid}")
        self.corp = corp
        self.mirror_link = mirror_link
        self.clock = clock
        self.state = CorpState(corp, clock=clock, seed=seed)
        self.crypto = CallbackCrypto(corp.token, corp.encoding_aes_key, corp.corp_id)
        self.callbacks = CallbackSender(
            self.crypto,
            corp.agent_id,
            url=callback_url,
            retries=retries,
            callback_timeout=callback_timeout,
            retry_delay=retry_delay,
            duplicate_rate=duplicate_rate,
            reorder_rate=reorder_rate,
            drop_rate=drop_rate,
            seed=seed,
        )
        self.actions = UserActions(self.state, self.callbacks)
        self.gateway = Gateway(
            corp, self.state, token_ttl=token_ttl, rate_limit_per_minute=rate_limit_per_minute, clock=clock
        )
        self.wechat = OfficialAccount(self.state, token_ttl=token_ttl)  # api.weixin.qq.com

    @property
    def calls(self) -> Counter[str]:
        """Requests received per API path ("gettoken", "externalcontact/get", ...)."""
        return self.gateway.calls

    def expire_tokens(self) -> None:
        self.gateway.expire_tokens()

    def fail_next(self, path: str, errcode: int, times: int | None = 1) -> None:
        self.gateway.fail_next(path, errcode, times)

    def app(self) -> web.Application:
        app = web.Application()
        app[EMULATOR_KEY] = self
        setup_wechat_routes(app, self.wechat)  # WeChat's /cgi-bin paths first: the gateway takes the rest
        app.router.add_route("*", "/cgi-bin/{path:.+}", self.gateway.handle, name="cgi_bin")
        setup_console_routes(app)
        app.cleanup_ctx.append(self._callbacks_ctx)
        return app

    async def _callbacks_ctx(self, app: web.Application) -> AsyncIterator[None]:
        yield
        await self.close()

    async def close(self) -> None:
        """Stop the delivery task and close its HTTP session (pending deliveries are abandoned)."""
        await self.callbacks.close()


async def run_emulator(emulator: Emulator, host: str = "127.0.0.1", port: int = 8090) -> web.AppRunner:
    """Serve the emulator on a TCP port; the caller owns the runner (`await runner.cleanup()` to stop)."""
    runner = web.AppRunner(emulator.app(), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    return runner
