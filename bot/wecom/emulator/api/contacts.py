"""Emulated customer reads, remarks and corp tags (externalcontact/*, §3.4–3.5). No callbacks: API changes."""

from __future__ import annotations

import hashlib
from itertools import chain
from typing import Any

from ..apierror import ApiError
from ..models import Customer, Follow, Tag, TagGroup
from ..state import CorpState
from .routing import (
    Call,
    check_chars,
    check_count,
    int_arg,
    paginate,
    require_external_id,
    require_follow,
    require_member,
    require_str,
    route,
)


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


@route("externalcontact/get_follow_user_list", "GET")
def get_follow_user_list(call: Call) -> dict[str, Any]:
    members = call.state.members.values()
    return {"follow_user": [m.userid for m in members if m.active and m.external_contact]}


@route("externalcontact/list", "GET")
def list_customers(call: Call) -> dict[str, Any]:
    userid = require_str(call, "userid")
    require_member(call.state, userid)
    follows = call.state.follows_of_member(userid)
    if not follows:
        raise ApiError(84061, f"{userid} has no external contact")
    return {"external_userid": [f.external_userid for f in follows]}


@route("externalcontact/get", "GET")
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


@route("externalcontact/batch/get_by_user")
def batch_get_by_user(call: Call) -> dict[str, Any]:
    state = call.state
    userids = call.arg("userid_list")
    if userids is None and isinstance(call.arg("userid"), str):
        userids = [call.arg("userid")]  # the older single-user form
    userids = check_count(userids, state.limits.batch_userid_max, "userid_list")
    if not userids:
        raise ApiError(40058, "field `userid_list` is required")
    for userid in userids:
        require_member(state, userid)
    limit = int_arg(call, "limit", 50, 1, 100)
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


@route("externalcontact/remark")
def remark(call: Call) -> dict[str, Any]:
    state = call.state
    userid = require_str(call, "userid")
    require_member(state, userid)
    follow = require_follow(state, userid, require_external_id(call.arg("external_userid")))
    fields = {
        k: call.arg(k)
        for k in ("remark", "description", "remark_company", "remark_mobiles", "remark_pic_mediaid")
    }
    if all(v in (None, "", []) for v in fields.values()):
        raise ApiError(40058, "remark, description, remark_company, remark_mobiles all empty")
    check_chars(fields["remark"], 20, "remark")
    check_chars(fields["description"], 150, "description")
    check_chars(fields["remark_company"], 20, "remark_company")
    mobiles = (
        check_count(fields["remark_mobiles"], 5, "remark_mobiles")
        if fields["remark_mobiles"] is not None
        else None
    )
    if fields["remark"] is not None:
        follow.remark = fields["remark"]
    if fields["description"] is not None:
        follow.description = fields["description"]
    if fields["remark_company"] is not None:
        follow.remark_corp_name = fields["remark_company"]
    if mobiles is not None:
        follow.remark_mobiles = [m for m in mobiles if m]  # [""] clears
    return {}


# -- corp tags -----------------------------------------------------------------------------------


def tag_json(tag: Tag) -> dict[str, Any]:
    return {
        "id": tag.id,
        "name": tag.name,
        "create_time": tag.create_time,
        "order": tag.order,
        "deleted": tag.deleted,
    }


def group_json(group: TagGroup, tags: list[Tag]) -> dict[str, Any]:
    return {
        "group_id": group.group_id,
        "group_name": group.group_name,
        "create_time": group.create_time,
        "order": group.order,
        "deleted": group.deleted,
        "tag": [tag_json(t) for t in tags],
    }


@route("externalcontact/get_corp_tag_list")
def get_corp_tag_list(call: Call) -> dict[str, Any]:
    state = call.state
    group_ids = check_count(call.arg("group_id"), 1000, "group_id")
    tag_ids = check_count(call.arg("tag_id"), 1000, "tag_id")
    if group_ids:  # WeCom ignores tag_id when group_id is given
        groups = [state.tag_groups[g] for g in group_ids if g in state.tag_groups]
        return {
            "tag_group": [
                group_json(g, state.tags_of_group(g.group_id, include_deleted=True)) for g in groups
            ]
        }
    if tag_ids:
        wanted = [state.tags[t] for t in tag_ids if t in state.tags]
        order = list(dict.fromkeys(t.group_id for t in wanted))
        return {
            "tag_group": [
                group_json(state.tag_groups[g], [t for t in wanted if t.group_id == g]) for g in order
            ]
        }
    return {"tag_group": [group_json(g, state.tags_of_group(g.group_id)) for g in state.live_groups()]}


@route("externalcontact/add_corp_tag")
def add_corp_tag(call: Call) -> dict[str, Any]:
    state = call.state
    specs = check_count(call.arg("tag"), 1000, "tag")
    if not specs:
        raise ApiError(40058, "field `tag` is required")
    for spec in specs:
        if not isinstance(spec, dict) or not isinstance(spec.get("name"), str) or not spec["name"]:
            raise ApiError(40058, "tag.name is required")
        check_chars(spec["name"], 30, "tag.name")
    group_id, group_name = call.arg("group_id"), call.arg("group_name")
    if group_id:
        group = state.tag_groups.get(group_id)
        if group is None or group.deleted:
            raise ApiError(40068, f"group_id {group_id}")
    elif isinstance(group_name, str) and group_name:
        check_chars(group_name, 30, "group_name")
        group = next((g for g in state.live_groups() if g.group_name == group_name), None)
        if group is None:
            group = TagGroup(state.new_id("et"), group_name, int(call.arg("order") or 0), state.now())
            state.tag_groups[group.group_id] = group
    else:
        raise ApiError(40058, "group_id or group_name is required")
    added: list[Tag] = []
    for spec in specs:
        existing = next((t for t in state.tags_of_group(group.group_id) if t.name == spec["name"]), None)
        tag = existing or state.add_tag(group.group_id, spec["name"], int(spec.get("order") or 0))
        if tag not in added:
            added.append(tag)
    return {"tag_group": group_json(group, added)}


@route("externalcontact/edit_corp_tag")
def edit_corp_tag(call: Call) -> dict[str, Any]:
    state = call.state
    item_id = require_str(call, "id")
    name, order = call.arg("name"), call.arg("order")
    check_chars(name, 30, "name")
    if item_id in state.tags and not state.tags[item_id].deleted:
        tag = state.tags[item_id]
        if name and any(t.name == name and t.id != tag.id for t in state.tags_of_group(tag.group_id)):
            raise ApiError(40071, name)
        tag.name = name or tag.name
        tag.order = int(order) if order is not None else tag.order
    elif item_id in state.tag_groups and not state.tag_groups[item_id].deleted:
        group = state.tag_groups[item_id]
        if name and any(g.group_name == name and g.group_id != item_id for g in state.live_groups()):
            raise ApiError(40071, name)
        group.group_name = name or group.group_name
        group.order = int(order) if order is not None else group.order
    else:
        raise ApiError(40068, item_id)
    return {}


@route("externalcontact/del_corp_tag")
def del_corp_tag(call: Call) -> dict[str, Any]:
    state = call.state
    tag_ids = check_count(call.arg("tag_id"), 1000, "tag_id")
    group_ids = check_count(call.arg("group_id"), 1000, "group_id")
    if not tag_ids and not group_ids:
        raise ApiError(40058, "tag_id and group_id are both empty")
    for tag_id in tag_ids:
        if tag_id not in state.tags or state.tags[tag_id].deleted:
            raise ApiError(40068, tag_id)
    for group_id in group_ids:
        if group_id not in state.tag_groups or state.tag_groups[group_id].deleted:
            raise ApiError(40068, group_id)
    for tag_id in tag_ids:
        if not state.tags[tag_id].deleted:
            state.delete_tag(tag_id)
    for group_id in group_ids:
        state.delete_group(group_id)
    return {}


@route("externalcontact/mark_tag")
def mark_tag(call: Call) -> dict[str, Any]:
    state = call.state
    userid = require_str(call, "userid")
    require_member(state, userid)
    follow = require_follow(state, userid, require_external_id(call.arg("external_userid")))
    add = check_count(call.arg("add_tag"), 1000, "add_tag")
    remove = check_count(call.arg("remove_tag"), 1000, "remove_tag")
    if not add and not remove:
        raise ApiError(40058, "add_tag and remove_tag are both empty")
    for tag_id in [*add, *remove]:
        if tag_id not in state.tags or state.tags[tag_id].deleted:
            raise ApiError(40068, str(tag_id))
    for tag_id in add:
        if tag_id not in follow.tag_ids:
            follow.tag_ids.append(tag_id)
    follow.tag_ids = [t for t in follow.tag_ids if t not in remove]
    return {}
