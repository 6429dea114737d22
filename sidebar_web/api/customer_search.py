"""The customer search's query parameters and their meaning, shared by /api/v1/customers and the console."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.appkeys import SETTINGS
from bot.contacts import reads
from bot.contacts.reads import CustomerFilter, InvalidQuery, Page
from bot.contacts.scope import Viewer
from sidebar_web.api.params import PAGING, BadParam, Param, parse

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


async def search_customers(request: web.Request, viewer: Viewer) -> tuple[dict[str, Any], Page]:
    """Parse the query (400 naming a bad parameter) and run the scoped search."""
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
        return p, await reads.list_customers(viewer, filters, limit=p["limit"], offset=p["offset"])
    except InvalidQuery as exc:
        raise BadParam(exc.param, exc.reason) from None
