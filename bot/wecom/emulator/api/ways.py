"""Emulated 「联系我」 contact ways and the welcome message (*_contact_way, send_welcome_msg, §3.6)."""

from __future__ import annotations

from typing import Any

from ..apierror import ApiError
from ..models import ContactWay
from ..state import CorpState
from .content import ATTACHMENTS, CONCLUSIONS, TEXT, validate_content
from .fields import Bool, Int, List, Str
from .routing import Call, paginate, require_member, route

FOURTEEN_DAYS = 14 * 86400  # the longest a temporary way's QR code or chat lasts
TIME_MAX = 2**31
CONFIG_ID = Str("config_id", required=40058)
# What add_contact_way and update_contact_way both take; stored as given when present.
SETTINGS = (
    Int("style"),
    Str("remark", chars=30),
    Bool("skip_verify"),
    Str("state", chars=30),
    List("user", max_items=100),
    List("party", item=Int("party", lo=1, hi=TIME_MAX), max_items=100),
    Int("expires_in", hi=FOURTEEN_DAYS),
    Int("chat_expires_in", hi=FOURTEEN_DAYS),
    Str("unionid"),
    Bool("mark_source"),
    CONCLUSIONS,
)
STORED = ("style", "remark", "skip_verify", "expires_in", "chat_expires_in", "unionid", "mark_source")


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


def _validate_way(call: Call, type_: int, users: list[str], parties: list[int]) -> None:
    state = call.state
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
    config_id = call.arg("config_id")
    way = call.state.contact_ways.get(config_id)
    if way is None:
        raise ApiError(40058, f"invalid config_id {config_id}")
    return way


@route(
    "externalcontact/add_contact_way",
    Int("type", required=40058, lo=1, hi=2),
    Int("scene", required=40058, lo=1, hi=2),
    *SETTINGS,
    Bool("is_temp"),
    Bool("is_exclusive"),
)
def add_contact_way(call: Call) -> dict[str, Any]:
    users, parties = call.arg("user") or [], call.arg("party") or []
    _validate_way(call, call.arg("type"), users, parties)
    extra = {k: call.arg(k) for k in (*STORED, "is_temp", "conclusions") if call.arg(k) is not None}
    way = call.state.add_contact_way(
        users,
        type=call.arg("type"),
        scene=call.arg("scene"),
        state=call.arg("state") or "",
        party=parties,
        **extra,
    )
    data = {"config_id": way.config_id}
    if way.qr_code:
        data["qr_code"] = way.qr_code
    return data


@route("externalcontact/get_contact_way", CONFIG_ID)
def get_contact_way(call: Call) -> dict[str, Any]:
    return {"contact_way": way_json(_way(call))}


@route("externalcontact/update_contact_way", CONFIG_ID, *SETTINGS)
def update_contact_way(call: Call) -> dict[str, Any]:
    way = _way(call)
    users = call.arg("user") if call.arg("user") is not None else way.user
    parties = call.arg("party") if call.arg("party") is not None else way.party
    _validate_way(call, way.type, users, parties)
    way.user, way.party = list(users), list(parties)
    for key in (*STORED, "state", "conclusions"):
        if call.arg(key) is not None:
            setattr(way, key, call.arg(key))
    return {}


@route("externalcontact/del_contact_way", CONFIG_ID)
def del_contact_way(call: Call) -> dict[str, Any]:
    way = _way(call)
    del call.state.contact_ways[way.config_id]
    return {}


@route(
    "externalcontact/list_contact_way",
    Int("start_time", hi=TIME_MAX),
    Int("end_time", hi=TIME_MAX),
    Str("cursor"),
    Int("limit", lo=1, hi=1000, default=100),
)
def list_contact_way(call: Call) -> dict[str, Any]:
    state = call.state
    end = call.arg("end_time") if call.arg("end_time") is not None else state.now()
    start = call.arg("start_time") if call.arg("start_time") is not None else end - 90 * 86400
    if start > end:
        raise ApiError(40058, "start_time after end_time")
    ways = sorted(
        (w for w in state.contact_ways.values() if start <= w.create_time <= end),
        key=lambda w: (w.create_time, w.config_id),
    )
    page, next_cursor = paginate(ways, call.arg("cursor"), call.arg("limit"), f"ways:{start}:{end}")
    return {"contact_way": [{"config_id": w.config_id} for w in page], "next_cursor": next_cursor}


# -- welcome message -----------------------------------------------------------------------------


def take_welcome_code(state: CorpState, code: str) -> Any:
    """Single use, valid limits.welcome_code_ttl seconds on the emulator clock; else 41051."""
    welcome = state.welcome_codes.get(code)
    if welcome is None or welcome.used or state.clock() - welcome.issued_at > state.limits.welcome_code_ttl:
        raise ApiError(41051, "welcome_code used, expired or unknown")
    welcome.used = True
    return welcome


@route("externalcontact/send_welcome_msg", Str("welcome_code", required=40058), TEXT, ATTACHMENTS)
def send_welcome_msg(call: Call) -> dict[str, Any]:
    code = call.arg("welcome_code")
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
