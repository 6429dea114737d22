"""The /cgi-bin front door: gettoken, tokens, permissions, rate limits, injected faults, field checks."""

from __future__ import annotations

import json
import secrets
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from aiohttp import web

from ...errors import ERRMSG
from ..apierror import ApiError
from ..config import CorpConfig
from ..state import CorpState
from . import contacts, directory, groups, identity, massmsg, messages, tags, ways  # noqa: F401  (routes)
from .fields import Str, parse_fields
from .routing import ROUTES, Call

_dumps = partial(json.dumps, ensure_ascii=False)
GETTOKEN = (Str("corpid", required=41002), Str("corpsecret", required=41004))


@dataclass
class IssuedToken:
    secret: str  # "agent" | "contact"
    expires_at: float
    revoked: bool = False


def normalize_path(path: str) -> str:
    path = path.strip("/")
    return path[len("cgi-bin/") :] if path.startswith("cgi-bin/") else path


class Gateway:
    """Everything that happens before an endpoint handler runs, and the errcode answer when it fails."""

    def __init__(
        self,
        corp: CorpConfig,
        state: CorpState,
        *,
        token_ttl: int = 7200,
        rate_limit_per_minute: int = 10000,
        clock: Callable[[], float],
    ):
        self.corp = corp
        self.state = state
        self.token_ttl = token_ttl
        self.rate_limit_per_minute = rate_limit_per_minute
        self.clock = clock
        self.calls: Counter[str] = Counter()  # path -> requests received, gettoken included
        self.tokens: dict[str, IssuedToken] = {}
        self._current: dict[str, str] = {}  # secret kind -> token handed out while still valid
        self._faults: dict[str, list[Any]] = {}  # path -> [errcode, remaining times or None = forever]
        self._windows: dict[str, deque[float]] = {}

    # -- fault injection ------------------------------------------------------------------------

    def expire_tokens(self) -> None:
        """Every token issued so far answers 42001 from now on; the next gettoken issues a fresh one."""
        for token in self.tokens.values():
            token.revoked = True
        self._current.clear()

    def fail_next(self, path: str, errcode: int, times: int | None = 1) -> None:
        """The next `times` calls of `path` (None: every call) answer `errcode` before anything else runs."""
        self._faults[normalize_path(path)] = [int(errcode), times]

    def clear_faults(self) -> None:
        self._faults.clear()

    # -- request handling -----------------------------------------------------------------------

    async def handle(self, request: web.Request) -> web.Response:
        path = normalize_path(request.match_info["path"])
        self.calls[path] += 1
        try:
            data = await self._dispatch(path, request)
        except ApiError as exc:
            return self._answer(
                {"errcode": exc.errcode, "errmsg": self.errmsg(exc.errcode, exc.detail, request)}
            )
        return self._answer({"errcode": 0, "errmsg": "ok", **data})

    def errmsg(self, errcode: int, detail: str, request: web.Request) -> str:
        base = ERRMSG.get(errcode, "unknown error")
        hint = f"{int(self.clock())}_{secrets.token_hex(8)}"
        ip = request.remote or "127.0.0.1"
        text = f"{base}: {detail}" if detail else base
        return f"{text}, hint: [{hint}], from ip: {ip}, more info at https://open.work.weixin.qq.com/devtool/query?e={errcode}"

    @staticmethod
    def _answer(payload: dict[str, Any]) -> web.Response:
        # WeCom answers HTTP 200 for every errcode.
        return web.json_response(payload, dumps=_dumps)

    async def _dispatch(self, path: str, request: web.Request) -> dict[str, Any]:
        self._inject_fault(path)
        self._check_rate(path)
        if path == "gettoken":
            args = parse_fields(GETTOKEN, {}, request.query)
            return self._gettoken(args["corpid"], args["corpsecret"])
        if path not in ROUTES:
            raise web.HTTPNotFound(text=f"the emulator does not serve /cgi-bin/{path}")
        route = ROUTES[path]
        secret = self._check_token(request.query.get("access_token"))
        if secret == "contact" and not path.startswith("externalcontact/"):
            # The 客户联系 secret only opens the customer-contact APIs; the app secret opens everything here.
            raise ApiError(48002, "the customer-contact secret cannot call this API")
        if request.method != route.method:
            raise ApiError(43002 if route.method == "POST" else 43001)
        body = await self._body(request) if route.method == "POST" else {}
        # Every declared field is checked before the handler runs: handlers check the corp's state, then
        # change it, and never meet a value of the wrong type halfway through.
        args = parse_fields(route.fields, body, request.query)
        return route.handler(Call(path, body, args, secret, self.state, self.corp.agent_id))

    @staticmethod
    async def _body(request: web.Request) -> dict[str, Any]:
        try:
            raw = await request.read()
        except web.HTTPRequestEntityTooLarge:
            raise ApiError(45002, "request body too large") from None
        try:
            body = json.loads(raw.decode("utf-8")) if raw.strip() else {}
            # A lone surrogate ("\ud800") parses in Python but is no Unicode text: WeCom's parser refuses it.
            _dumps(body).encode("utf-8")
        except (UnicodeError, ValueError, RecursionError):
            raise ApiError(47001, "body is not JSON") from None
        if not isinstance(body, dict):
            raise ApiError(47001, "body is not a JSON object")
        return body

    def _inject_fault(self, path: str) -> None:
        fault = self._faults.get(path)
        if fault is None:
            return
        errcode, remaining = fault
        if remaining is not None:
            remaining -= 1
            if remaining <= 0:
                del self._faults[path]
            else:
                fault[1] = remaining
        raise ApiError(errcode, "injected by the emulator")

    def _check_rate(self, path: str) -> None:
        now = self.clock()
        window = self._windows.setdefault(path, deque())
        while window and now - window[0] >= 60:
            window.popleft()
        if len(window) >= self.rate_limit_per_minute:
            raise ApiError(45009, f"more than {self.rate_limit_per_minute} calls of {path} in a minute")
        window.append(now)

    def _gettoken(self, corpid: str, corpsecret: str) -> dict[str, Any]:
        if corpid != self.corp.corp_id:
            raise ApiError(40013)
        kinds = {self.corp.agent_secret: "agent", self.corp.contact_secret: "contact"}
        if corpsecret not in kinds:
            raise ApiError(40001, "corpsecret")
        kind = kinds[corpsecret]
        now = self.clock()
        # While valid, WeCom hands out the same token again (old 91039 wording); each secret has its own.
        current = self._current.get(kind)
        issued = self.tokens.get(current) if current else None
        if issued is None or issued.revoked or issued.expires_at <= now:
            current = secrets.token_urlsafe(96)
            issued = self.tokens[current] = IssuedToken(kind, now + self.token_ttl)
            self._current[kind] = current
        return {"access_token": current, "expires_in": int(issued.expires_at - now)}

    def _check_token(self, token: str | None) -> str:
        if not token:
            raise ApiError(41001)
        issued = self.tokens.get(token)
        if issued is None:
            raise ApiError(40014)
        if issued.revoked or issued.expires_at <= self.clock():
            raise ApiError(42001)
        return issued.secret
