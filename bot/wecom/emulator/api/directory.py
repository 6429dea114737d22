"""Emulated app-side APIs: directory reads, message/send, auth/getuserinfo, jsapi tickets (§3.9–3.12)."""

from __future__ import annotations

import copy
import string
from typing import Any

from ..apierror import ApiError
from ..models import Member
from ..state import CorpState
from .routing import Call, check_bytes, int_arg, require_str, route

TICKET_TTL = 7200
_TICKET_ALPHABET = string.ascii_letters + string.digits + "-_"
# Byte limits of message/send contents (§3.9).
CONTENT_LIMITS = {"text": ("content", 2048), "markdown": ("content", 2048), "textcard": ("description", 512)}
MSGTYPES = {
    "text",
    "image",
    "voice",
    "video",
    "file",
    "textcard",
    "news",
    "mpnews",
    "markdown",
    "template_card",
}


def member_json(state: CorpState, member: Member) -> dict[str, Any]:
    return {
        "userid": member.userid,
        "name": member.name,
        "department": list(member.department),
        "order": [0 for _ in member.department],
        "position": member.position,
        "gender": str(member.gender),  # WeCom sends the gender as a string here
        "is_leader_in_dept": [1 if d in member.is_leader_in_dept else 0 for d in member.department],
        "direct_leader": [],
        "main_department": member.department[0] if member.department else 1,
        "status": member.status,
        "alias": member.alias,
        "avatar": member.avatar,
        "thumb_avatar": member.avatar,
        "mobile": member.mobile,
        "open_userid": member.userid,
    }


@route("user/get", "GET")
def user_get(call: Call) -> dict[str, Any]:
    userid = require_str(call, "userid")
    member = call.state.members.get(userid)
    if member is None:
        raise ApiError(60111, userid)
    if not member.visible:
        raise ApiError(60011, userid)
    return member_json(call.state, member)


@route("user/list", "GET")
def user_list(call: Call) -> dict[str, Any]:
    state = call.state
    department_id = int_arg(call, "department_id", -1, 1, 2**31)
    if department_id not in state.departments:
        raise ApiError(60123, str(department_id))
    members = [m for m in state.members.values() if m.visible and department_id in m.department]
    return {"userlist": [member_json(state, m) for m in members]}


@route("department/list", "GET")
def department_list(call: Call) -> dict[str, Any]:
    state = call.state
    root = call.arg("id")
    departments = list(state.departments.values())
    if root not in (None, ""):
        root_id = int_arg(call, "id", 1, 1, 2**31)
        if root_id not in state.departments:
            raise ApiError(60123, str(root_id))
        subtree, frontier = {root_id}, [root_id]
        while frontier:
            parent = frontier.pop()
            for d in departments:
                if d.parentid == parent and d.id not in subtree:
                    subtree.add(d.id)
                    frontier.append(d.id)
        departments = [d for d in departments if d.id in subtree]
    return {
        "department": [
            {
                "id": d.id,
                "name": d.name,
                "parentid": d.parentid,
                "order": d.order,
                "department_leader": d.department_leader,
            }
            for d in sorted(departments, key=lambda d: d.id)
        ]
    }


@route("message/send")
def message_send(call: Call) -> dict[str, Any]:
    state = call.state
    if int(call.arg("agentid") or 0) != call.agent_id:
        raise ApiError(40056, str(call.arg("agentid")))
    msgtype = require_str(call, "msgtype")
    if msgtype not in MSGTYPES or not isinstance(call.arg(msgtype), dict):
        raise ApiError(40058, f"msgtype {msgtype!r} without its content object")
    if msgtype in CONTENT_LIMITS:
        key, limit = CONTENT_LIMITS[msgtype]
        check_bytes(call.arg(msgtype).get(key), limit, f"{msgtype}.{key}")
    touser = [u for u in str(call.arg("touser") or "").split("|") if u]
    toparty = [p for p in str(call.arg("toparty") or "").split("|") if p]
    if len(touser) > 1000 or len(toparty) > 100:
        raise ApiError(40058, "touser ≤ 1000, toparty ≤ 100")
    if touser == ["@all"]:
        recipients = {m.userid for m in state.members.values() if m.active}
        invalid_users: list[str] = []
    else:
        recipients = {u for u in touser if u in state.members and state.members[u].active}
        invalid_users = [u for u in touser if u not in recipients]
    invalid_parties = [p for p in toparty if not p.isdigit() or int(p) not in state.departments]
    for p in toparty:
        if p not in invalid_parties:
            recipients |= {m.userid for m in state.members.values() if m.active and int(p) in m.department}
    if not recipients:
        raise ApiError(81013, "no valid recipient")
    msgid = state.new_id("", 40)
    state.messages.append(
        {
            "msgid": msgid,
            "msgtype": msgtype,
            "recipients": sorted(recipients),
            "payload": copy.deepcopy(call.body),
            "received_at": state.now(),
        }
    )
    data: dict[str, Any] = {
        "invaliduser": "|".join(invalid_users),
        "invalidparty": "|".join(invalid_parties),
        "invalidtag": "",
        "unlicenseduser": "",
        "msgid": msgid,
    }
    if msgtype == "template_card":
        data["response_code"] = state.new_id("", 40)
    return data


@route("auth/getuserinfo", "GET")
def auth_getuserinfo(call: Call) -> dict[str, Any]:
    state = call.state
    code = require_str(call, "code")
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


@route("get_jsapi_ticket", "GET")
def get_jsapi_ticket(call: Call) -> dict[str, Any]:
    return _ticket(call.state, "corp")


@route("ticket/get", "GET")
def get_agent_ticket(call: Call) -> dict[str, Any]:
    if call.arg("type") != "agent_config":
        raise ApiError(40058, "type must be agent_config")
    return _ticket(call.state, "agent")
