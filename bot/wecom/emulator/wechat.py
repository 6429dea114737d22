"""The emulator playing WeChat's api.weixin.qq.com for one official account (公众号).

- `GET /sns/oauth2/access_token?appid&secret&code&grant_type=authorization_code`: web OAuth for radar
  visitors. Openids are stable per person and app, the unionid is the customer's own (a stranger's is
  stable too and matches no customer).
- `GET /cgi-bin/token?grant_type=client_credential&appid&secret`: the account's access token. Each fetch
  issues a new token, and the one it replaces keeps working for five more minutes, then answers 40001.
  At most 2 000 fetches a day (45009).
- `GET /cgi-bin/ticket/getticket?access_token&type=jsapi`: the JS-SDK ticket (also `wx_card`), the same
  ticket while it is valid.

Errors are WeChat's `{errcode, errmsg}` with HTTP 200, errmsg ending in WeChat's ` rid: ...`.
"""

from __future__ import annotations

import secrets
from collections import Counter
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from .state import CorpState

_ERRORS = {
    -1: "system error",
    40001: "invalid credential, access_token is invalid or not latest",
    40002: "invalid grant_type",
    40013: "invalid appid",
    40014: "invalid access_token",
    40029: "invalid code",
    40097: "invalid args",
    40125: "invalid appsecret",
    40163: "code been used",
    41001: "access_token missing",
    41002: "appid missing",
    41004: "appsecret missing",
    41008: "missing code",
    42001: "access_token expired",
    45009: "reach max api daily quota limit",
}
OVERLAP = 300  # seconds a replaced token still works
TICKET_TYPES = ("jsapi", "wx_card")


class WeChatError(Exception):
    def __init__(self, errcode: int):
        super().__init__(errcode)
        self.errcode = errcode


@dataclass
class IssuedToken:
    expires_at: float
    dies_at: float | None = None  # set when a newer token replaced it


class OfficialAccount:
    """The account's tokens and tickets, and the requests its API received (`calls`, per path). It shares
    the corp's state and clock: its web OAuth codes name the corp's customers."""

    def __init__(
        self,
        state: CorpState,
        *,
        token_ttl: int = 7200,
        ticket_ttl: int = 7200,
        daily_token_quota: int = 2000,
    ):
        self.state = state  # who the account's web OAuth codes name
        self.corp = state.corp
        self.clock = state.clock
        self.token_ttl = token_ttl
        self.ticket_ttl = ticket_ttl
        self.daily_token_quota = daily_token_quota
        self.calls: Counter[str] = Counter()
        self.tokens: dict[str, IssuedToken] = {}
        self.tickets: dict[str, tuple[str, float]] = {}  # type -> (ticket, expires_at)
        self._current = ""
        self._fetched: dict[int, int] = {}  # day -> token fetches

    def ticket(self, type_: str = "jsapi") -> str:
        """The ticket WeChat holds now (tests verify signatures with it); empty before the first fetch."""
        entry = self.tickets.get(type_)
        return entry[0] if entry and entry[1] > self.clock() else ""

    def expire_tokens(self) -> None:
        """Every token issued so far answers 42001 from now on, as after two hours."""
        now = self.clock()
        for token in self.tokens.values():
            token.expires_at = min(token.expires_at, now)

    # -- endpoints ------------------------------------------------------------------------------

    def token(self, query: dict[str, str]) -> dict[str, Any]:
        if query.get("grant_type") != "client_credential":
            raise WeChatError(40002)
        if not query.get("appid"):
            raise WeChatError(41002)
        if not self.corp.wechat_app_id or query["appid"] != self.corp.wechat_app_id:
            raise WeChatError(40013)
        if not query.get("secret"):
            raise WeChatError(41004)
        if not secrets.compare_digest(query["secret"], self.corp.wechat_app_secret):
            raise WeChatError(40125)
        now = self.clock()
        day = int(now // 86400)
        if self._fetched.get(day, 0) >= self.daily_token_quota:
            raise WeChatError(45009)
        self._fetched[day] = self._fetched.get(day, 0) + 1
        previous = self.tokens.get(self._current)
        if previous is not None and previous.dies_at is None:
            previous.dies_at = now + OVERLAP
        self._current = secrets.token_urlsafe(100)[:136]
        self.tokens[self._current] = IssuedToken(now + self.token_ttl)
        return {"access_token": self._current, "expires_in": self.token_ttl}

    def getticket(self, query: dict[str, str]) -> dict[str, Any]:
        self._check_token(query.get("access_token", ""))
        type_ = query.get("type", "")
        if type_ not in TICKET_TYPES:
            raise WeChatError(40097)
        now = self.clock()
        entry = self.tickets.get(type_)
        if entry is None or entry[1] <= now:
            entry = self.tickets[type_] = (secrets.token_urlsafe(64), now + self.ticket_ttl)
        return {"errcode": 0, "errmsg": "ok", "ticket": entry[0], "expires_in": int(entry[1] - now)}

    def _check_token(self, token: str) -> None:
        if not token:
            raise WeChatError(41001)
        issued = self.tokens.get(token)
        now = self.clock()
        if issued is None or (issued.dies_at is not None and issued.dies_at <= now):
            raise WeChatError(40001)
        if issued.expires_at <= now:
            raise WeChatError(42001)


ACCOUNT_KEY = web.AppKey("wechat_account", OfficialAccount)


def exchange_code(state: CorpState, query: dict[str, str]) -> dict[str, Any]:
    corp = state.corp
    if not corp.wechat_app_id or query.get("appid") != corp.wechat_app_id:
        return _error(40013)
    if not secrets.compare_digest(query.get("secret", ""), corp.wechat_app_secret):
        return _error(40125)
    if query.get("grant_type") != "authorization_code":
        return _error(40002)
    code = query.get("code", "")
    if not code:
        return _error(41008)
    grant = state.oauth_codes.get(code)
    if grant is None or grant.appid != corp.wechat_app_id:
        return _error(40029)
    if grant.used:
        return _error(40163)
    if state.clock() - grant.issued_at > state.limits.oauth_code_ttl:
        return _error(40029)
    grant.used = True
    if grant.external_userid:
        person, unionid = grant.external_userid, state.customers[grant.external_userid].unionid
    else:
        person, unionid = f"stranger:{grant.stranger}", state.stranger_unionid(grant.stranger or "")
    data = {
        "access_token": state.new_id("", 89),
        "expires_in": 7200,
        "refresh_token": state.new_id("", 89),
        "openid": state.openid(corp.wechat_app_id, person),
        "scope": "snsapi_base",
    }
    if unionid:  # WeChat gives one when the account is bound to an open platform and the user has one
        data["unionid"] = unionid
    return data


def _error(errcode: int) -> dict[str, Any]:
    return {"errcode": errcode, "errmsg": _ERRORS[errcode]}


def _answer(data: dict[str, Any]) -> web.Response:
    if data.get("errcode"):
        data = {**data, "errmsg": f"{data['errmsg']} rid: {secrets.token_hex(4)}-{secrets.token_hex(4)}"}
    return web.json_response(data)


async def sns_oauth2_access_token(request: web.Request) -> web.Response:
    account = request.app[ACCOUNT_KEY]
    account.calls["sns/oauth2/access_token"] += 1
    return _answer(exchange_code(account.state, dict(request.query)))


async def cgi_bin_token(request: web.Request) -> web.Response:
    return _serve(request, "cgi-bin/token", OfficialAccount.token)


async def cgi_bin_getticket(request: web.Request) -> web.Response:
    return _serve(request, "cgi-bin/ticket/getticket", OfficialAccount.getticket)


def _serve(request: web.Request, path: str, endpoint) -> web.Response:
    account = request.app[ACCOUNT_KEY]
    account.calls[path] += 1
    try:
        return _answer(endpoint(account, dict(request.query)))
    except WeChatError as exc:
        return _answer(_error(exc.errcode))


def setup_wechat_routes(app: web.Application, account: OfficialAccount) -> None:
    """Before the WeCom gateway's /cgi-bin catch-all: WeChat's paths differ from WeCom's (token vs
    gettoken, ticket/getticket vs get_jsapi_ticket and ticket/get), so both live on one emulator."""
    app[ACCOUNT_KEY] = account
    app.router.add_get("/sns/oauth2/access_token", sns_oauth2_access_token, name="wechat_sns_access_token")
    app.router.add_get("/cgi-bin/token", cgi_bin_token, name="wechat_token")
    app.router.add_get("/cgi-bin/ticket/getticket", cgi_bin_getticket, name="wechat_getticket")
