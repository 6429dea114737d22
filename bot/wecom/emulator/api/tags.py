"""Emulated corp tags: list, add, edit, delete and mark (externalcontact/*_corp_tag, mark_tag, §3.5)."""

from __future__ import annotations

from typing import Any

from ..apierror import ApiError
from ..models import Tag, TagGroup
from .contacts import EXTERNAL_USERID, USERID
from .fields import Int, List, Obj, Str
from .routing import Call, require_external_id, require_follow, require_member, route

NAME_MAX = 30  # characters, for a tag's and a group's name
IDS_MAX = 1000


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


@route(
    "externalcontact/get_corp_tag_list",
    List("tag_id", max_items=IDS_MAX),
    List("group_id", max_items=IDS_MAX),
)
def get_corp_tag_list(call: Call) -> dict[str, Any]:
    state = call.state
    group_ids, tag_ids = call.arg("group_id"), call.arg("tag_id")
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


@route(
    "externalcontact/add_corp_tag",
    Str("group_id"),
    Str("group_name", chars=NAME_MAX),
    Int("order"),
    List(
        "tag",
        required=40058,
        item=Obj("tag", fields=(Str("name", required=40058, chars=NAME_MAX), Int("order"))),
        max_items=IDS_MAX,
    ),
    Int("agentid"),  # only read for legacy third-party suites
)
def add_corp_tag(call: Call) -> dict[str, Any]:
    state = call.state
    group_id, group_name = call.arg("group_id"), call.arg("group_name")
    if group_id:  # WeCom then ignores group_name and the group's order
        group = state.tag_groups.get(group_id)
        if group is None or group.deleted:
            raise ApiError(40068, f"group_id {group_id}")
    elif group_name:
        group = next((g for g in state.live_groups() if g.group_name == group_name), None)
    else:
        raise ApiError(40058, "group_id or group_name is required")
    # Every check is above: from here on the call succeeds.
    if group is None:
        group = TagGroup(state.new_id("et"), group_name, call.arg("order") or 0, state.now())
        state.tag_groups[group.group_id] = group
    added: list[Tag] = []
    for spec in call.arg("tag"):
        existing = next((t for t in state.tags_of_group(group.group_id) if t.name == spec["name"]), None)
        tag = existing or state.add_tag(group.group_id, spec["name"], spec.get("order") or 0)
        if tag not in added:
            added.append(tag)
    return {"tag_group": group_json(group, added)}


@route(
    "externalcontact/edit_corp_tag",
    Str("id", required=40058),
    Str("name", chars=NAME_MAX),
    Int("order"),
    Int("agentid"),
)
def edit_corp_tag(call: Call) -> dict[str, Any]:
    state = call.state
    item_id, name, order = call.arg("id"), call.arg("name"), call.arg("order")
    if item_id in state.tags and not state.tags[item_id].deleted:
        tag = state.tags[item_id]
        if name and any(t.name == name and t.id != tag.id for t in state.tags_of_group(tag.group_id)):
            raise ApiError(40071, name)
        tag.name = name or tag.name
        tag.order = order if order is not None else tag.order
    elif item_id in state.tag_groups and not state.tag_groups[item_id].deleted:
        group = state.tag_groups[item_id]
        if name and any(g.group_name == name and g.group_id != item_id for g in state.live_groups()):
            raise ApiError(40071, name)
        group.group_name = name or group.group_name
        group.order = order if order is not None else group.order
    else:
        raise ApiError(40068, item_id)
    return {}


@route(
    "externalcontact/del_corp_tag",
    List("tag_id", max_items=IDS_MAX),
    List("group_id", max_items=IDS_MAX),
    Int("agentid"),
)
def del_corp_tag(call: Call) -> dict[str, Any]:
    state = call.state
    tag_ids, group_ids = call.arg("tag_id") or [], call.arg("group_id") or []
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


@route(
    "externalcontact/mark_tag",
    USERID,
    EXTERNAL_USERID,
    List("add_tag", max_items=IDS_MAX),
    List("remove_tag", max_items=IDS_MAX),
)
def mark_tag(call: Call) -> dict[str, Any]:
    state = call.state
    userid = call.arg("userid")
    require_member(state, userid)
    follow = require_follow(state, userid, require_external_id(call.arg("external_userid")))
    add, remove = call.arg("add_tag") or [], call.arg("remove_tag") or []
    if not add and not remove:
        raise ApiError(40058, "add_tag and remove_tag are both empty")
    for tag_id in [*add, *remove]:
        if tag_id not in state.tags or state.tags[tag_id].deleted:
            raise ApiError(40068, tag_id)
    for tag_id in add:
        if tag_id not in follow.tag_ids:
            follow.tag_ids.append(tag_id)
    follow.tag_ids = [t for t in follow.tag_ids if t not in remove]
    return {}
