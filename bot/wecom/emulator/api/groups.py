"""Emulated customer groups: externalcontact/groupchat/list and groupchat/get (§3.8)."""

from __future__ import annotations

import hashlib
from typing import Any

from ..apierror import ApiError
from ..models import GroupChat
from .fields import Int, List, Obj, Str
from .routing import Call, paginate, require_member, route


def groupchat_json(chat: GroupChat, need_name: bool) -> dict[str, Any]:
    members = []
    for m in chat.members:
        item: dict[str, Any] = {
            "userid": m.userid,
            "type": m.type,
            "join_time": m.join_time,
            "join_scene": m.join_scene,
        }
        if m.invitor:
            item["invitor"] = {"userid": m.invitor}
        if m.unionid:
            item["unionid"] = m.unionid
        item["group_nickname"] = m.group_nickname
        if need_name:
            item["name"] = m.name
        members.append(item)
    return {
        "chat_id": chat.chat_id,
        "name": chat.name,
        "owner": chat.owner,
        "create_time": chat.create_time,
        "notice": chat.notice,
        "member_list": members,
        "admin_list": [{"userid": a} for a in chat.admin_list],
        "member_version": chat.member_version,
    }


@route(
    "externalcontact/groupchat/list",
    Int("status_filter", hi=3, default=0),
    Obj("owner_filter", fields=(List("userid_list", max_items=100),)),
    Str("cursor"),
    Int("limit", required=40058, lo=1, hi=1000),
)
def groupchat_list(call: Call) -> dict[str, Any]:
    state = call.state
    status_filter, limit = call.arg("status_filter"), call.arg("limit")
    owners = (call.arg("owner_filter") or {}).get("userid_list") or []
    for userid in owners:
        require_member(state, userid, contact=False)
    if not owners and sum(1 for m in state.members.values() if m.active) > 1000:
        raise ApiError(81017, "owner_filter is required when the visible range exceeds 1000 members")
    chats = sorted(
        (
            c
            for c in state.group_chats.values()
            if not c.dismissed
            and (status_filter == 0 or c.status == status_filter)
            and (not owners or c.owner in owners)
        ),
        key=lambda c: (c.create_time, c.chat_id),
    )
    scope = f"chats:{status_filter}:" + hashlib.sha1("|".join(owners).encode()).hexdigest()[:8]
    page, next_cursor = paginate(chats, call.arg("cursor"), limit, scope)
    return {
        "group_chat_list": [{"chat_id": c.chat_id, "status": c.status} for c in page],
        "next_cursor": next_cursor,
    }


@route("externalcontact/groupchat/get", Str("chat_id", required=40058), Int("need_name", hi=1))
def groupchat_get(call: Call) -> dict[str, Any]:
    chat_id = call.arg("chat_id")
    chat = call.state.group_chats.get(chat_id)
    if chat is None or chat.dismissed:
        raise ApiError(40050, chat_id)
    return {"group_chat": groupchat_json(chat, bool(call.arg("need_name")))}
