"""Emulated customer reads and remarks (externalcontact/*, §3.4–3.5). No callbacks: API changes."""

from __future__ import annotations

import hashlib
from itertools import chain
from typing import Any

from ..apierror import ApiError
from ..models import Customer, Follow
from ..state import CorpState
from .fields import Int, List, Str
from .routing import Call, paginate, require_external_id, require_follow, require_member, route


def customer_json(customer: Customer) -> dict[str, Any]:
    data: dict[str, Any] = {
        "external_userid": customer.external_userid,
        "name": customer.name,
        "avatar": customer.avatar,
        "type": customer.type,
        "gender": customer.gender,
    }
    if customer.unionid:
        data["unionid"] = customer.unionid
    for key in ("position", "corp_name", "corp_full_name"):
        if getattr(customer, key):
            data[key] = getattr(customer, key)
    return data


def _follow_common(follow: Follow) -> dict[str, Any]:
    data: dict[str, Any] = {
        "userid": follow.userid,
        "remark": follow.remark,
        "description": follow.description,
        "createtime": follow.createtime,
        "remark_corp_name": follow.remark_corp_name,
        "remark_mobiles": list(follow.remark_mobiles),
        "oper_userid": follow.oper_userid,
        "add_way": follow.add_way,
    }
    if follow.state:
        data["state"] = follow.state
    return data


def follow_user_json(state: CorpState, follow: Follow) -> dict[str, Any]:
    data = _follow_common(follow)
    data["tags"] = [
        {
            "group_name": state.tag_groups[state.tags[t].group_id].group_name,
            "tag_name": state.tags[t].name,
            "tag_id": t,
            "type": 1,
        }
        for t in follow.tag_ids
    ]
    return data


def visible_follows(state: CorpState, follows: list[Follow]) -> list[Follow]:
    return [f for f in follows if f.userid in state.members and state.members[f.userid].active]


USERID = Str("userid", required=41009)
EXTERNAL_USERID = Str("external_userid", required=40096)


@route("externalcontact/get_follow_user_list", method="GET")
def get_follow_user_list(call: Call) -> dict[str, Any]:
    members = call.state.members.values()
    return {"follow_user": [m.userid for m in members if m.active and m.external_contact]}


@route("externalcontact/list", USERID, method="GET")
def list_customers(call: Call) -> dict[str, Any]:
    userid = call.arg("userid")
    require_member(call.state, userid)
    follows = call.state.follows_of_member(userid)
    if not follows:
        raise ApiError(84061, f"{userid} has no external contact")
    return {"external_userid": [f.external_userid for f in follows]}


@route("externalcontact/get", EXTERNAL_USERID, Str("cursor"), method="GET")
def get_customer(call: Call) -> dict[str, Any]:
    external_userid = require_external_id(call.arg("external_userid"))
    state = call.state
    customer = state.customers.get(external_userid)
    follows = visible_follows(state, state.follows_of_customer(external_userid))
    if customer is None or not follows:
        raise ApiError(84061, f"no member in range follows {external_userid}")
    page, next_cursor = paginate(
        follows, call.arg("cursor"), state.limits.follow_page_size, "get:" + external_userid
    )
    data: dict[str, Any] = {
        "external_contact": customer_json(customer),
        "follow_user": [follow_user_json(state, f) for f in page],
    }
    if next_cursor:
        data["next_cursor"] = next_cursor
    return data


@route(
    "externalcontact/batch/get_by_user",
    List("userid_list"),
    Str("userid"),  # the older single-user form
    Str("cursor"),
    Int("limit", lo=1, hi=100, default=50),
)
def batch_get_by_user(call: Call) -> dict[str, Any]:
    state = call.state
    userids = call.arg("userid_list")
    if userids is None and call.arg("userid"):
        userids = [call.arg("userid")]
    if not userids:
        raise ApiError(40058, "field `userid_list` is required")
    if len(userids) > state.limits.batch_userid_max:
        raise ApiError(40058, f"field `userid_list` exceed max length {state.limits.batch_userid_max}")
    for userid in userids:
        require_member(state, userid)
    limit = call.arg("limit")
    follows = list(chain.from_iterable(state.follows_of_member(userid) for userid in userids))
    scope = "batch:" + hashlib.sha1("|".join(userids).encode()).hexdigest()[:12]
    page, next_cursor = paginate(follows, call.arg("cursor"), limit, scope)
    items = []
    for follow in page:
        info = _follow_common(follow)
        info["tag_id"] = list(follow.tag_ids)
        items.append(
            {"external_contact": customer_json(state.customers[follow.external_userid]), "follow_info": info}
        )
    return {"external_contact_list": items, "next_cursor": next_cursor}


REMARK_FIELDS = ("remark", "description", "remark_company", "remark_mobiles", "remark_pic_mediaid")


@route(
    "externalcontact/remark",
    USERID,
    EXTERNAL_USERID,
    Str("remark", chars=20),
    Str("description", chars=150),
    Str("remark_company", chars=20),
    List("remark_mobiles", max_items=5),
    Str("remark_pic_mediaid"),
)
def remark(call: Call) -> dict[str, Any]:
    state = call.state
    userid = call.arg("userid")
    require_member(state, userid)
    follow = require_follow(state, userid, require_external_id(call.arg("external_userid")))
    fields = {k: call.arg(k) for k in REMARK_FIELDS}
    if all(v in (None, "", []) for v in fields.values()):
        raise ApiError(40058, "remark, description, remark_company, remark_mobiles all empty")
    if fields["remark"] is not None:
        follow.remark = fields["remark"]
    if fields["description"] is not None:
        follow.description = fields["description"]
    if fields["remark_company"] is not None:
        follow.remark_corp_name = fields["remark_company"]
    if fields["remark_mobiles"] is not None:
        follow.remark_mobiles = [m for m in fields["remark_mobiles"] if m]  # [""] clears
    return {}
