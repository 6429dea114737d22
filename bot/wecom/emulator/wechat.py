"""The emulator playing WeChat for radar visitors: an official account's web OAuth code exchange.

`GET /sns/oauth2/access_token?appid&secret&code&grant_type=authorization_code` as api.weixin.qq.com
answers it: openids are stable per person and app, the unionid is the customer's own (a stranger's is
stable too and matches no customer). Errors are WeChat's `{errcode, errmsg}` with HTTP 200.
"""

from __future__ import annotations

import secrets
from typing import Any

from aiohttp import web

from .state import CorpState

_ERRORS = {
    40013: "invalid appid",
    40125: "invalid appsecret",
    41008: "missing code",
    40029: "invalid code",
    40163: "code been used",
    40002: "invalid grant_type",
}


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


async def sns_oauth2_access_token(request: web.Request) -> web.Response:
    from .control import EMULATOR_KEY  # control imports the console, which imports the state

    state = request.app[EMULATOR_KEY].state
    return web.json_response(exchange_code(state, dict(request.query)))


def setup_wechat_routes(app: web.Application) -> None:
    app.router.add_get("/sns/oauth2/access_token", sns_oauth2_access_token, name="wechat_sns_access_token")
