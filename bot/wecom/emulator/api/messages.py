"""Emulated app messages to staff: message/send, its content per msgtype and its recipients (§3.9)."""

from __future__ import annotations

import copy
from typing import Any

from ..apierror import ApiError
from .fields import Int, List, Obj, Str
from .routing import Call, route

TOUSER_MAX, TOPARTY_MAX, TOTAG_MAX = 1000, 100, 100

_MEDIA = (Str("media_id"),)
_NEWS_ARTICLE = Obj(
    "article",
    fields=(Str("title", size=128), Str("description", size=512), Str("url"), Str("picurl")),
)
_MPNEWS_ARTICLE = Obj(
    "article",
    fields=(Str("title"), Str("thumb_media_id"), Str("author"), Str("content_source_url"), Str("content")),
)
# One object per msgtype. WeCom parses the whole body, so each is checked whichever msgtype is sent.
CONTENTS = {
    "text": Obj("text", fields=(Str("content", size=2048),)),
    "image": Obj("image", fields=_MEDIA),
    "voice": Obj("voice", fields=_MEDIA),
    "video": Obj("video", fields=(*_MEDIA, Str("title", size=128), Str("description", size=512))),
    "file": Obj("file", fields=_MEDIA),
    "textcard": Obj(
        "textcard",
        fields=(Str("title", size=128), Str("description", size=512), Str("url"), Str("btntxt", chars=4)),
    ),
    "news": Obj("news", fields=(List("articles", item=_NEWS_ARTICLE, max_items=8),)),
    "mpnews": Obj("mpnews", fields=(List("articles", item=_MPNEWS_ARTICLE, max_items=8),)),
    "markdown": Obj("markdown", fields=(Str("content", size=2048),)),
    "template_card": Obj("template_card", fields=(Str("card_type"),)),
}


def _ids(value: str | None) -> list[str]:
    return [part for part in (value or "").split("|") if part]


def _check_content(msgtype: str, content: dict[str, Any] | None) -> None:
    if msgtype not in CONTENTS:
        raise ApiError(40008, f"msgtype {msgtype!r}")
    if msgtype == "text" and not (content or {}).get("content"):
        raise ApiError(44004, "text.content is empty")
    if msgtype == "textcard" and not (content or {}).get("description"):
        raise ApiError(41033, "textcard.description is missing")
    if content is None:
        raise ApiError(40058, f"msgtype {msgtype!r} without its content object")


@route(
    "message/send",
    Int("agentid", required=41011),
    Str("msgtype", required=40008),
    Str("touser"),
    Str("toparty"),
    Str("totag"),
    Int("safe", hi=2),
    Int("enable_id_trans", hi=1),
    Int("enable_duplicate_check", hi=1),
    Int("duplicate_check_interval"),
    *CONTENTS.values(),
)
def message_send(call: Call) -> dict[str, Any]:
    state = call.state
    if call.arg("agentid") != call.agent_id:
        raise ApiError(40056, str(call.arg("agentid")))
    msgtype = call.arg("msgtype")
    _check_content(msgtype, call.arg(msgtype) if msgtype in CONTENTS else None)
    touser, toparty, totag = _ids(call.arg("touser")), _ids(call.arg("toparty")), _ids(call.arg("totag"))
    if len(touser) > TOUSER_MAX or len(toparty) > TOPARTY_MAX or len(totag) > TOTAG_MAX:
        raise ApiError(40058, f"touser ≤ {TOUSER_MAX}, toparty ≤ {TOPARTY_MAX}, totag ≤ {TOTAG_MAX}")
    if touser == ["@all"]:
        recipients = {m.userid for m in state.members.values() if m.active}
        invalid_users: list[str] = []
    else:
        recipients = {u for u in touser if u in state.members and state.members[u].active}
        invalid_users = [u for u in touser if u not in recipients]
    parties = {p: int(p) for p in toparty if p.isascii() and p.isdigit() and int(p) in state.departments}
    invalid_parties = [p for p in toparty if p not in parties]
    for department in parties.values():
        recipients |= {m.userid for m in state.members.values() if m.active and department in m.department}
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
        "invalidtag": "|".join(totag),  # the emulated corp has no directory tags
        "unlicenseduser": "",
        "msgid": msgid,
    }
    if msgtype == "template_card":
        data["response_code"] = state.new_id("", 40)
    return data
