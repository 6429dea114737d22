"""Emulated identity and JS-SDK tickets: auth/getuserinfo, get_jsapi_ticket and ticket/get (§3.11–3.12)."""

from __future__ import annotations

import string
from typing import Any

from ..apierror import ApiError
from ..state import CorpState
from .fields import Str
from .routing import Call, route

TICKET_TTL = 7200
_TICKET_ALPHABET = string.ascii_letters + string.digits + "-_"


@route("auth/getuserinfo", Str("code", required=41008), method="GET")
def auth_getuserinfo(call: Call) -> dict[str, Any]:
    state = call.state
    code = call.arg("code")
    grant = state.oauth_codes.get(code)
    if grant is None or grant.used or state.clock() - grant.issued_at > state.limits.oauth_code_ttl:
        raise ApiError(40029, "code used, expired or unknown")
    if grant.appid != state.corp.corp_id:  # a WeChat official account's code
        raise ApiError(40029, "code of another app")
    grant.used = True
    if grant.userid is not None:
        return {"userid": grant.userid, "user_ticket": state.new_id("", 64)}
    # external_userid only for a customer of the corp; a stranger gets an openid alone
    person = grant.external_userid or f"stranger:{grant.stranger}"
    data = {"openid": state.openid(state.corp.corp_id, person)}
    if grant.external_userid:
        data["external_userid"] = grant.external_userid
    return data


def _ticket(state: CorpState, kind: str) -> dict[str, Any]:
    ticket, expires_at = state.tickets.get(kind, ("", 0.0))
    now = state.clock()
    if expires_at <= now:
        ticket, expires_at = state.new_id("", 86, _TICKET_ALPHABET), now + TICKET_TTL
        state.tickets[kind] = (ticket, expires_at)
    return {"ticket": ticket, "expires_in": int(expires_at - now)}


@route("get_jsapi_ticket", method="GET")
def get_jsapi_ticket(call: Call) -> dict[str, Any]:
    return _ticket(call.state, "corp")


@route("ticket/get", Str("type"), method="GET")
def get_agent_ticket(call: Call) -> dict[str, Any]:
    if call.arg("type") != "agent_config":
        raise ApiError(40058, "type must be agent_config")
    return _ticket(call.state, "agent")
