"""WeChat's official account (公众号): web OAuth for radar visitors, and the access token and jsapi_ticket
behind the JS-SDK's wx.config on radar pages."""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import ClientError, ClientSession

from bot.wecom import jssdk
from bot.wecom.errors import InvalidCode, WeComError
from bot.wecom.tokens import TokenStore
from bot.wecom.transport import REFRESH_MARGIN

log = logging.getLogger(__name__)

# 40029 invalid code, 40163 code been used: the visitor must go through OAuth again
_BAD_CODE = frozenset({40029, 40163})
PATH = "sns/oauth2/access_token"
TOKEN_PATH = "cgi-bin/token"
TICKET_PATH = "cgi-bin/ticket/getticket"
# 40001: a token WeChat no longer honours (another fetch replaced it over 5 minutes ago); 40014: malformed;
# 42001: expired. Each is cured by a fresh token.
_TOKEN_ERRCODES = frozenset({40001, 40014, 42001})
# The share APIs of JS-SDK 1.4+; the older onMenuShare* ones are deprecated.
SHARE_APIS = ("updateAppMessageShareData", "updateTimelineShareData")


class WeChatError(WeComError):
    """api.weixin.qq.com failed a call of the official account (errcode None: unreachable or garbage)."""

    def __str__(self) -> str:
        return f"WeChat {self.path} failed with {self.errcode}: {self.errmsg}"


class WeChatCredentialsError(WeChatError):
    """WeChat refuses radar.wechat_app_id / wechat_app_secret (or this server's IP), or keeps rejecting
    the token it has just issued."""


async def _get(session: ClientSession, url: str, params: dict[str, str], path: str) -> dict[str, Any]:
    """One GET to api.weixin.qq.com; WeChat answers errors as {errcode, errmsg} with HTTP 200."""
    try:
        async with session.get(url, params=params) as response:
            data = await response.json(content_type=None)
    except (ClientError, TimeoutError, ValueError) as exc:
        raise WeChatError(None, f"unreachable: {type(exc).__name__}", path) from None
    if not isinstance(data, dict):
        raise WeChatError(None, "response is not a JSON object", path)
    return data


class WeChatOAuth:
    def __init__(self, session: ClientSession, *, base_url: str, app_id: str, app_secret: str):
        self._session = session
        self._base = base_url if base_url.endswith("/") else base_url + "/"
        self.app_id = app_id
        self._secret = app_secret

    async def exchange_code(self, code: str) -> dict[str, Any]:
        """{openid, unionid?, ...} for the code WeChat's authorize page handed the visitor's browser."""
        params = {
            "appid": self.app_id,
            "secret": self._secret,
            "code": code,
            "grant_type": "authorization_code",
        }
        data = await _get(self._session, self._base + PATH, params, PATH)
        errcode = data.get("errcode") or 0
        if errcode in _BAD_CODE:
            raise InvalidCode(errcode, str(data.get("errmsg", "")), PATH)
        if errcode or not data.get("openid"):
            raise WeChatError(errcode or None, str(data.get("errmsg", "no openid")), PATH)
        return data


class WeChatJsApi:
    """The official account's access token and jsapi_ticket, cached in a TokenStore until shortly before
    they expire, and the wx.config a page signs in with.

    WeChat gives one account a few thousand tokens a day, and each fetch makes the previous token stop
    working five minutes later: every process must share one token, so the store should be the database
    one (bot.store.tokens) wherever several processes serve radar pages."""

    def __init__(
        self,
        session: ClientSession,
        *,
        base_url: str,
        app_id: str,
        app_secret: str,
        token_store: TokenStore,
        clock: Callable[[], float] = time.time,
    ):
        self._session = session
        self._base = base_url if base_url.endswith("/") else base_url + "/"
        self.app_id = app_id
        self._secret = app_secret
        self._store = token_store
        self._clock = clock
        self._locks: dict[str, asyncio.Lock] = {}

    @property
    def _token_key(self) -> str:
        return f"wechat:token:{self.app_id}"

    @property
    def _ticket_key(self) -> str:
        return f"wechat:ticket:jsapi:{self.app_id}"

    async def access_token(self) -> str:
        return await self._cached(self._token_key, self._fetch_token)

    async def jsapi_ticket(self) -> str:
        return await self._cached(self._ticket_key, self._fetch_ticket)

    async def config_for(self, url: str) -> dict[str, Any]:
        """What wx.config needs for the page at `url` (signed without its #fragment)."""
        ticket = await self.jsapi_ticket()
        noncestr, timestamp = secrets.token_hex(8), int(self._clock())
        return {
            "appId": self.app_id,
            "timestamp": timestamp,
            "nonceStr": noncestr,
            "signature": jssdk.sign(ticket, noncestr, timestamp, url),
            "jsApiList": list(SHARE_APIS),
        }

    async def _cached(self, key: str, fetch: Callable[[], Awaitable[tuple[str, float]]]) -> str:
        cached = await self._store.get(key)
        if cached is not None and cached[1] - self._clock() > REFRESH_MARGIN:
            return cached[0]
        # One fetch per key and process: concurrent pages wait here, then find the fresh value.
        async with self._locks.setdefault(key, asyncio.Lock()):
            cached = await self._store.get(key)
            if cached is not None and cached[1] - self._clock() > REFRESH_MARGIN:
                return cached[0]
            try:
                value, expires_in = await fetch()
            except WeChatCredentialsError:
                raise
            except WeChatError:
                # An early refresh that fails (WeChat busy or unreachable) is no reason to fail the page
                # while the old value still works.
                if cached is not None and cached[1] > self._clock():
                    log.warning("wechat: refreshing %s failed, using the cached value until it expires", key)
                    return cached[0]
                raise
            await self._store.put(key, value, self._clock() + expires_in)
            return value

    async def _fetch_token(self) -> tuple[str, float]:
        params = {"grant_type": "client_credential", "appid": self.app_id, "secret": self._secret}
        data = await _get(self._session, self._base + TOKEN_PATH, params, TOKEN_PATH)
        errcode = int(data.get("errcode") or 0)
        if errcode:  # 40013 appid, 40125 secret, 40164 IP not whitelisted: the settings are wrong
            raise WeChatCredentialsError(errcode, str(data.get("errmsg", "")), TOKEN_PATH)
        if not data.get("access_token"):
            raise WeChatError(None, "response has no access_token", TOKEN_PATH)
        return str(data["access_token"]), float(data.get("expires_in", 7200))

    async def _fetch_ticket(self) -> tuple[str, float]:
        token = await self.access_token()
        data = await self._getticket(token)
        errcode = int(data.get("errcode") or 0)
        if errcode in _TOKEN_ERRCODES:
            # The cached token died early: drop it (unless another caller already replaced it), refetch once.
            log.info("wechat %s: token rejected (%s), refreshing once", TICKET_PATH, errcode)
            await self._store.invalidate(self._token_key, token)
            data = await self._getticket(await self.access_token())
            errcode = int(data.get("errcode") or 0)
            if errcode in _TOKEN_ERRCODES:
                raise WeChatCredentialsError(errcode, str(data.get("errmsg", "")), TICKET_PATH)
        if errcode:
            raise WeChatError(errcode, str(data.get("errmsg", "")), TICKET_PATH)
        if not data.get("ticket"):
            raise WeChatError(None, "response has no ticket", TICKET_PATH)
        return str(data["ticket"]), float(data.get("expires_in", 7200))

    async def _getticket(self, token: str) -> dict[str, Any]:
        params = {"access_token": token, "type": "jsapi"}
        return await _get(self._session, self._base + TICKET_PATH, params, TICKET_PATH)
