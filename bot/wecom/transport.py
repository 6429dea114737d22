"""The WeCom HTTP transport: access tokens per secret, retries with backoff, rate limiting, jsapi tickets."""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from collections.abc import Callable, Mapping
from typing import Any, Literal

import aiohttp

from .errors import (
    RETRYABLE_ERRCODES,
    TOKEN_ERRCODES,
    RateLimited,
    SystemBusy,
    TokenError,
    WeComError,
    WeComUnavailable,
    error_for,
)
from .ratelimit import RateLimiter
from .tokens import TokenStore, agent_ticket_key, corp_ticket_key, token_key

log = logging.getLogger(__name__)

SecretKind = Literal["agent", "contact"]

# Refresh a cached token or ticket when less than this is left, so a call never races its expiry.
REFRESH_MARGIN = 300.0


class WeComTransport:
    """Signs every call with the right access token and turns WeCom's errcodes into typed exceptions."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        base_url: str,
        corp_id: str,
        agent_id: int,
        agent_secret: str,
        contact_secret: str,
        token_store: TokenStore,
        rate_per_second: float = 50,
        max_attempts: int = 4,
        backoff_base: float = 0.5,
        clock: Callable[[], float] = time.time,
        request_timeout: float = 10.0,
    ):
        base = base_url.rstrip("/")
        self.base_url = base if base.endswith("/cgi-bin") else base + "/cgi-bin"
        self.corp_id = corp_id
        self.agent_id = int(agent_id)
        self._session = session
        self._secrets: dict[str, str] = {"agent": agent_secret, "contact": contact_secret}
        self._store = token_store
        self._limiter = RateLimiter(rate_per_second)
        self._max_attempts = max(1, max_attempts)
        self._backoff_base = backoff_base
        self._clock = clock
        self._timeout = aiohttp.ClientTimeout(total=request_timeout)
        self._locks: dict[str, asyncio.Lock] = {}
        self._jitter = random.Random()

    # -- public plumbing ------------------------------------------------------------------------

    async def call(
        self,
        method: Literal["GET", "POST"],
        path: str,
        *,
        secret: SecretKind = "agent",
        params: Mapping[str, Any] | None = None,
        body: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """One API call with the token of `secret`; returns the response dict (errcode 0)."""
        refreshed = False
        attempt = 1
        while True:
            token = await self.access_token(secret)
            query = {k: str(v) for k, v in (params or {}).items() if v is not None}
            query["access_token"] = token
            data = await self._send(method, path, query, body)
            errcode = int(data.get("errcode", 0) or 0)
            if errcode == 0:
                return data
            errmsg = str(data.get("errmsg", ""))
            if errcode in TOKEN_ERRCODES:
                # The cached token died early (WeCom may revoke it); drop it unless a concurrent caller
                # already replaced it, refetch once, retry once. A second rejection means the secret is wrong.
                await self._store.invalidate(self._token_key(secret), token)
                if refreshed:
                    raise TokenError(errcode, errmsg, path)
                refreshed = True
                log.info("wecom %s: token rejected (%s), refreshing once", path, errcode)
                continue
            if errcode in RETRYABLE_ERRCODES and attempt < self._max_attempts:
                await self._backoff(path, errcode, attempt)
                attempt += 1
                continue
            raise error_for(errcode, errmsg, path)

    async def access_token(self, secret: SecretKind = "agent") -> str:
        """The cached access token for `secret`, fetched from gettoken when missing or close to expiry."""
        key = self._token_key(secret)
        return await self._cached(key, lambda: self._fetch_token(secret))

    async def get_jsapi_ticket(self) -> str:
        """The corp jsapi_ticket (for wx.config / getConfigSignature), cached in the token store."""
        return await self._cached(
            corp_ticket_key(self.corp_id), lambda: self._fetch_ticket("get_jsapi_ticket", {})
        )

    async def get_agent_ticket(self) -> str:
        """The app jsapi_ticket (for wx.agentConfig / getAgentConfigSignature), cached in the token store."""
        return await self._cached(
            agent_ticket_key(self.corp_id, self.agent_id),
            lambda: self._fetch_ticket("ticket/get", {"type": "agent_config"}),
        )

    # -- internals ------------------------------------------------------------------------------

    def _token_key(self, secret: SecretKind) -> str:
        return token_key(self.corp_id, self._secrets[secret])

    async def _cached(self, key: str, fetch: Callable[[], Any]) -> str:
        cached = await self._store.get(key)
        if cached is not None and cached[1] - self._clock() > REFRESH_MARGIN:
            return cached[0]
        # One fetch per key: concurrent callers wait here and then find the fresh value in the store.
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            cached = await self._store.get(key)
            if cached is not None and cached[1] - self._clock() > REFRESH_MARGIN:
                return cached[0]
            try:
                value, expires_in = await fetch()
            except (WeComUnavailable, RateLimited, SystemBusy):
                # An early refresh that fails is no reason to fail the call while the old value still works.
                if cached is not None and cached[1] > self._clock():
                    log.warning("wecom: refreshing %s failed, using the cached value until it expires", key)
                    return cached[0]
                raise
            await self._store.put(key, value, self._clock() + expires_in)
            return value

    async def _fetch_token(self, secret: SecretKind) -> tuple[str, float]:
        params = {"corpid": self.corp_id, "corpsecret": self._secrets[secret]}
        data = await self._retrying("gettoken", params)
        if not data.get("access_token"):
            raise WeComUnavailable("gettoken", "response has no access_token")
        return str(data["access_token"]), float(data.get("expires_in", 7200))

    async def _fetch_ticket(self, path: str, params: dict[str, str]) -> tuple[str, float]:
        data = await self.call("GET", path, params=params)
        if not data.get("ticket"):
            raise WeComUnavailable(path, "response has no ticket")
        return str(data["ticket"]), float(data.get("expires_in", 7200))

    async def _retrying(self, path: str, params: dict[str, str]) -> dict[str, Any]:
        """A call that carries no access token (gettoken): only the busy/rate-limit retries apply."""
        attempt = 1
        while True:
            data = await self._send("GET", path, params, None)
            errcode = int(data.get("errcode", 0) or 0)
            if errcode == 0:
                return data
            if errcode in RETRYABLE_ERRCODES and attempt < self._max_attempts:
                await self._backoff(path, errcode, attempt)
                attempt += 1
                continue
            if errcode in TOKEN_ERRCODES or errcode == 40013:
                raise TokenError(errcode, str(data.get("errmsg", "")), path)
            raise error_for(errcode, str(data.get("errmsg", "")), path)

    async def _backoff(self, path: str, errcode: int, attempt: int) -> None:
        delay = self._backoff_base * 2 ** (attempt - 1) * (0.5 + self._jitter.random() / 2)
        log.info("wecom %s: errcode %s, retry %d in %.2fs", path, errcode, attempt, delay)
        await asyncio.sleep(delay)

    async def _send(
        self, method: str, path: str, query: Mapping[str, str], body: Mapping[str, Any] | None
    ) -> dict[str, Any]:
        await self._limiter.acquire()
        url = f"{self.base_url}/{path}"
        data = None if body is None else json.dumps(body, ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json; charset=utf-8"} if data is not None else None
        try:
            async with self._session.request(
                method, url, params=query, data=data, headers=headers, timeout=self._timeout
            ) as resp:
                if resp.status != 200:
                    raise WeComUnavailable(path, f"HTTP {resp.status}")
                payload = await resp.json(content_type=None)
        except WeComError:
            raise
        except TimeoutError:
            raise WeComUnavailable(path, "timed out") from None
        except aiohttp.ClientError as exc:
            # aiohttp's messages can embed the request URL, and with it the access_token: keep only the type.
            raise WeComUnavailable(path, f"transport error ({type(exc).__name__})") from None
        except ValueError:
            raise WeComUnavailable(path, "response is not JSON") from None
        if not isinstance(payload, dict):
            raise WeComUnavailable(path, "response is not a JSON object")
        return payload
