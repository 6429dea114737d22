"""/api/v1 views: parse the query, ask bot.contacts.reads with the viewer, answer JSON."""

from __future__ import annotations

from aiohttp import web

from bot.appkeys import SETTINGS
from bot.contacts import reads, timeline
from sidebar_web.api.customer_search import CUSTOMER_PARAMS, search_customers
from sidebar_web.api.params import PAGING, Param, parse
from sidebar_web.api.responses import api_viewer, json_response


async def customers(request: web.Request) -> web.Response:
    viewer = await api_viewer(request)
    p = parse(request.query, CUSTOMER_PARAMS)
    page = await search_customers(viewer, p, request.app[SETTINGS].server.timezone)
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
    """A relation of a staff member outside the caller's scope (a colleague's, on a shared customer) lists
    only userid, staff_name, add_time, status and ended_at, plus what access.colleague_relation_fields
    opens; every relation's `withheld` names the keys left out."""
    viewer = await api_viewer(request)
    parse(request.query, ())
    detail = await reads.customer_detail(viewer, request.match_info["external_userid"])
    if detail is None:
        raise web.HTTPNotFound(text="no such customer")
    return json_response(detail)


TIMELINE_PARAMS = (
    Param("type", "choices", "Only these event types, comma-separated", timeline.TYPES, label="动态类型"),
    *PAGING,
)


async def customer_timeline(request: web.Request) -> web.Response:
    """A colleague's event keeps out of its payload what their relation withholds, named in `withheld`."""
    viewer = await api_viewer(request)
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
    await api_viewer(request)
    parse(request.query, ())
    return json_response({"groups": await reads.tag_groups()})


GROUP_PARAMS = (
    Param("include_dismissed", "bool", "Also list dismissed groups", default=False, label="包含已解散的群"),
    *PAGING,
)


async def groups(request: web.Request) -> web.Response:
    viewer = await api_viewer(request)
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
    await api_viewer(request)
    parse(request.query, ())
    return json_response({"items": await reads.departments()})


MEMBER_PARAMS = (
    Param(
        "include_inactive", "bool", "Also list members gone from WeCom", default=False, label="包含已离职成员"
    ),
)


async def members(request: web.Request) -> web.Response:
    await api_viewer(request)
    p = parse(request.query, MEMBER_PARAMS)
    return json_response({"items": await reads.members(include_inactive=p["include_inactive"])})


async def me(request: web.Request) -> web.Response:
    viewer = await api_viewer(request)
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
CORE_ENDPOINTS = (
    ("/customers", customers, CUSTOMER_PARAMS, "Customers: one row per follow relation, with totals"),
    ("/customers/{external_userid}", customer, (), "A customer's profile, relations with tags, groups"),
    ("/customers/{external_userid}/timeline", customer_timeline, TIMELINE_PARAMS, "A customer's timeline"),
    ("/tags", tags, (), "Corp tag groups and tags in WeCom's order"),
    ("/groups", groups, GROUP_PARAMS, "Customer groups with member counts and today's joins and quits"),
    ("/departments", departments, (), "Departments of the corp directory"),
    ("/members", members, MEMBER_PARAMS, "Staff members"),
    ("/me", me, (), "The caller's identity and role"),
)
