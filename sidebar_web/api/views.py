"""/api/v1 views: parse the query, ask bot.services.reads with the viewer, answer JSON."""

from __future__ import annotations

import json
from datetime import datetime
from functools import partial

from aiohttp import web

from bot.appkeys import SETTINGS
from bot.services import reads, timeline
from bot.services.reads import CustomerFilter, InvalidQuery
from bot.services.scope import Viewer
from sidebar_web.api.params import PAGING, BadParam, Param, parse
from sidebar_web.auth import current_viewer


def _default(value):
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


json_response = partial(web.json_response, dumps=partial(json.dumps, default=_default, ensure_ascii=False))


async def _viewer(request: web.Request) -> Viewer:
    viewer = await current_viewer(request)
    if viewer is None:
        raise web.HTTPUnauthorized(
            text="login required: sign in at /auth/login or send Authorization: Bearer <api token>"
        )
    return viewer


CUSTOMER_PARAMS = (
    Param("q", "text", "Text in the customer's nickname, or in the relation's remark or description"),
    Param("owner", "list", "Staff userids following the customer (所属成员), comma-separated"),
    Param("tags", "list", "Corp tag ids on the relation, comma-separated"),
    Param("tag_mode", "choice", "any: at least one of the tags, all: every one", ("any", "all"), "any"),
    Param("added_from", "date", "Added on or after this day (the corp's time zone)"),
    Param("added_to", "date", "Added on or before this day (the corp's time zone)"),
    Param("state", "list", "Channel: the contact way's state (添加渠道), comma-separated"),
    Param("gender", "ints", "0 unknown, 1 male, 2 female", (0, 1, 2)),
    Param(
        "status",
        "choices",
        "Churn status of the relation: active 未流失, lost 已流失 (the customer deleted the staff member), "
        "deleted (the staff member deleted the customer)",
        ("active", "lost", "deleted"),
    ),
    Param("type", "ints", "1 WeChat user, 2 WeCom user", (1, 2)),
    *PAGING,
)


async def customers(request: web.Request) -> web.Response:
    viewer = await _viewer(request)
    p = parse(request.query, CUSTOMER_PARAMS)
    tz = request.app[SETTINGS].server.timezone
    added_from = reads.day_bounds(p["added_from"], tz)[0] if p["added_from"] else None
    added_before = reads.day_bounds(p["added_to"], tz)[1] if p["added_to"] else None
    if added_from and added_before and added_from >= added_before:
        raise BadParam("added_to", "must not be before added_from")
    filters = CustomerFilter(
        text=p["q"] or "",
        owners=p["owner"] or (),
        tag_ids=p["tags"] or (),
        all_tags=p["tag_mode"] == "all",
        added_from=added_from,
        added_before=added_before,
        states=p["state"] or (),
        genders=p["gender"] or (),
        statuses=p["status"] or (),
        customer_types=p["type"] or (),
    )
    try:
        page = await reads.list_customers(viewer, filters, limit=p["limit"], offset=p["offset"])
    except InvalidQuery as exc:
        raise BadParam(exc.param, exc.reason) from None
    return json_response(
        {
            "total": page.total,
            "dedup_total": page.dedup_total,
            "limit": p["limit"],
            "offset": p["offset"],
            "items": page.items,
        }
    )


async def customer(request: web.Request) -> web.Response:
    viewer = await _viewer(request)
    parse(request.query, ())
    detail = await reads.customer_detail(viewer, request.match_info["external_userid"])
    if detail is None:
        raise web.HTTPNotFound(text="no such customer")
    return json_response(detail)


TIMELINE_PARAMS = (
    Param("type", "choices", "Only these event types, comma-separated", timeline.TYPES),
    *PAGING,
)


async def customer_timeline(request: web.Request) -> web.Response:
    viewer = await _viewer(request)
    p = parse(request.query, TIMELINE_PARAMS)
    found = await reads.customer_timeline(
        viewer,
        request.match_info["external_userid"],
        types=p["type"] or (),
        limit=p["limit"],
        offset=p["offset"],
    )
    if found is None:
        raise web.HTTPNotFound(text="no such customer")
    total, items = found
    return json_response({"total": total, "limit": p["limit"], "offset": p["offset"], "items": items})


async def tags(request: web.Request) -> web.Response:
    await _viewer(request)
    parse(request.query, ())
    return json_response({"groups": await reads.tag_groups()})


GROUP_PARAMS = (
    Param("include_dismissed", "bool", "Also list dismissed groups", default=False),
    *PAGING,
)


async def groups(request: web.Request) -> web.Response:
    viewer = await _viewer(request)
    p = parse(request.query, GROUP_PARAMS)
    total, items = await reads.group_chats(
        viewer,
        tz=request.app[SETTINGS].server.timezone,
        include_dismissed=p["include_dismissed"],
        limit=p["limit"],
        offset=p["offset"],
    )
    return json_response({"total": total, "limit": p["limit"], "offset": p["offset"], "items": items})


async def departments(request: web.Request) -> web.Response:
    await _viewer(request)
    parse(request.query, ())
    return json_response({"items": await reads.departments()})


MEMBER_PARAMS = (Param("include_inactive", "bool", "Also list members gone from WeCom", default=False),)


async def members(request: web.Request) -> web.Response:
    await _viewer(request)
    p = parse(request.query, MEMBER_PARAMS)
    return json_response({"items": await reads.members(include_inactive=p["include_inactive"])})


async def me(request: web.Request) -> web.Response:
    viewer = await _viewer(request)
    return json_response(
        {
            "userid": viewer.userid,
            "name": viewer.name,
            "role": viewer.role,
            "role_name": viewer.role_name,
            "departments": list(viewer.departments),
        }
    )


# Path, view, parameters, summary: the routes and the OpenAPI document are built from this one table.
ENDPOINTS = (
    ("/customers", customers, CUSTOMER_PARAMS, "Customers: one row per follow relation, with totals"),
    ("/customers/{external_userid}", customer, (), "A customer's profile, relations with tags, groups"),
    ("/customers/{external_userid}/timeline", customer_timeline, TIMELINE_PARAMS, "A customer's timeline"),
    ("/tags", tags, (), "Corp tag groups and tags in WeCom's order"),
    ("/groups", groups, GROUP_PARAMS, "Customer groups with member counts and today's joins and quits"),
    ("/departments", departments, (), "Departments of the corp directory"),
    ("/members", members, MEMBER_PARAMS, "Staff members"),
    ("/me", me, (), "The caller's identity and role"),
)
