"""Emulated 「联系我」 contact ways and the welcome message (*_contact_way, send_welcome_msg)."""

from __future__ import annotations

from typing import Any

from ..apierror import ApiError
from ..models import ContactWay
from ..state import CorpState
from .routing import (
    Call,
    check_bytes,
    check_chars,
    check_count,
    int_arg,
    paginate,
    require_member,
    require_str,
    route,
)

ATTACHMENT_TYPES = {"image", "link", "miniprogram", "video", "file"}


def way_json(way: ContactWay) -> dict[str, Any]:
    data: dict[str, Any] = {
        "config_id": way.config_id,
        "type": way.type,
        "scene": way.scene,
        "style": way.style,
        "remark": way.remark,
        "skip_verify": way.skip_verify,
        "state": way.state,
        "user": list(way.user),
        "party": list(way.party),
        "is_temp": way.is_temp,
        "expires_in": way.expires_in,
        "chat_expires_in": way.chat_expires_in,
        "unionid": way.unionid,
        "mark_source": way.mark_source,
        "conclusions": way.conclusions,
    }
    if way.qr_code:
        data["qr_code"] = way.qr_code
    return data


def _validate_way(call: Call, type_: int, users: list[str], parties: list[Any]) -> None:
    state = call.state
    check_chars(call.arg("state"), 30, "state")
    check_chars(call.arg("remark"), 30, "remark")
    if type_ == 1 and (len(users) != 1 or parties):
        raise ApiError(40058, "type 1 needs exactly one user and no party")
    if type_ == 2 and not (users or parties):
        raise ApiError(40058, "user and party are both empty")
    for userid in users:
        require_member(state, userid)
    for party in parties:
        if party not in state.departments:
            raise ApiError(60123, f"party {party}")


def _way(call: Call) -> ContactWay:
    config_id = require_str(call, "config_id")
    way = call.state.contact_ways.get(config_id)
    if way is None:
        raise ApiError(40058, f"invalid config_id {config_id}")
    return way


@route("externalcontact/add_contact_way")
def add_contact_way(call: Call) -> dict[str, Any]:
    type_ = int_arg(call, "type", 0, 1, 2)
    scene = int_arg(call, "scene", 0, 1, 2)
    users = check_count(call.arg("user"), 100, "user")
    parties = check_count(call.arg("party"), 100, "party")
    _validate_way(call, type_, users, parties)
    extra = {
        k: call.arg(k)
        for k in ("style", "remark", "skip_verify", "is_temp", "expires_in", "chat_expires_in", "unionid")
        if call.arg(k) is not None
    }
    extra.update({k: call.arg(k) for k in ("mark_source", "conclusions") if call.arg(k) is not None})
    way = call.state.add_contact_way(
        users, type=type_, scene=scene, state=call.arg("state") or "", party=parties, **extra
    )
    data = {"config_id": way.config_id}
    if way.qr_code:
        data["qr_code"] = way.qr_code
    return data


@route("externalcontact/get_contact_way")
def get_contact_way(call: Call) -> dict[str, Any]:
    return {"contact_way": way_json(_way(call))}


@route("externalcontact/update_contact_way")
def update_contact_way(call: Call) -> dict[str, Any]:
    way = _way(call)
    users = check_count(call.arg("user"), 100, "user") if call.arg("user") is not None else way.user
    parties = check_count(call.arg("party"), 100, "party") if call.arg("party") is not None else way.party
    _validate_way(call, way.type, users, parties)
    way.user, way.party = list(users), list(parties)
    for key in ("remark", "skip_verify", "style", "state", "expires_in", "chat_expires_in", "unionid"):
        if call.arg(key) is not None:
            setattr(way, key, call.arg(key))
    for key in ("mark_source", "conclusions"):
        if call.arg(key) is not None:
            setattr(way, key, call.arg(key))
    return {}


@route("externalcontact/del_contact_way")
def del_contact_way(call: Call) -> dict[str, Any]:
    way = _way(call)
    del call.state.contact_ways[way.config_id]
    return {}


@route("externalcontact/list_contact_way")
def list_contact_way(call: Call) -> dict[str, Any]:
    state = call.state
    end = int_arg(call, "end_time", state.now(), 0, 2**31)
    start = int_arg(call, "start_time", end - 90 * 86400, 0, 2**31)
    if start > end:
        raise ApiError(40058, "start_time after end_time")
    limit = int_arg(call, "limit", 100, 1, 1000)
    ways = sorted(
        (w for w in state.contact_ways.values() if start <= w.create_time <= end),
        key=lambda w: (w.create_time, w.config_id),
    )
    page, next_cursor = paginate(ways, call.arg("cursor"), limit, f"ways:{start}:{end}")
    return {"contact_way": [{"config_id": w.config_id} for w in page], "next_cursor": next_cursor}


# -- welcome message -----------------------------------------------------------------------------


def validate_content(call: Call, text_limit: int = 4000) -> tuple[dict[str, Any] | None, list[Any]]:
    """text (≤ 4000 bytes) and attachments (≤ 9, known msgtypes); not both empty. Shared with mass sends."""
    text = call.arg("text")
    if text is not None and not isinstance(text, dict):
        raise ApiError(40058, "field `text` must be an object")
    if text is not None:
        check_bytes(text.get("content"), text_limit, "text.content")
    attachments = check_count(call.arg("attachments"), 9, "attachments")
    for item in attachments:
        msgtype = item.get("msgtype") if isinstance(item, dict) else None
        if msgtype not in ATTACHMENT_TYPES or not isinstance(item.get(msgtype), dict):
            raise ApiError(40058, f"invalid attachment msgtype {msgtype!r}")
        if msgtype == "link" and not item["link"].get("url"):
            raise ApiError(40058, "link.url is required")
    if not (text and text.get("content")) and not attachments:
        raise ApiError(40058, "text and attachments are both empty")
    return text, attachments


def take_welcome_code(state: CorpState, code: str) -> Any:
    """Single use, valid limits.welcome_code_ttl seconds on the emulator clock; else 41051."""
    welcome = state.welcome_codes.get(code)
    if welcome is None or welcome.used or state.clock() - welcome.issued_at > state.limits.welcome_code_ttl:
        raise ApiError(41051, "welcome_code used, expired or unknown")
    welcome.used = True
    return welcome


@route("externalcontact/send_welcome_msg")
def send_welcome_msg(call: Call) -> dict[str, Any]:
    code = require_str(call, "welcome_code")
    text, attachments = validate_content(call)
    welcome = take_welcome_code(call.state, code)
    call.state.welcome_messages.append(
        {
            "welcome_code": code,
            "userid": welcome.userid,
            "external_userid": welcome.external_userid,
            "text": text,
            "attachments": attachments,
            "sent_at": call.state.now(),
        }
    )
    return {}
