"""The customer search's query parameters and their meaning, shared by /api/v1/customers and the console."""

from __future__ import annotations

from typing import Any

from bot.contacts import reads
from bot.contacts.reads import CustomerFilter, InvalidQuery, Page
from bot.contacts.scope import Viewer
from sidebar_web.api.params import PAGING, Param

CUSTOMER_PARAMS = (
    Param(
        "q",
        "text",
        "Text in the customer's nickname, or in the relation's remark or description",
        label="客户昵称/备注",
    ),
    Param(
        "owner",
        "list",
        "Staff userids following the customer (所属成员), comma-separated",
        label="所属成员",
        thing="staff member",
    ),
    Param("tags", "list", "Corp tag ids on the relation, comma-separated", label="企业标签", thing="tag"),
    Param(
        "tag_mode",
        "choice",
        "any: at least one of the tags, all: every one",
        ("any", "all"),
        "any",
        label="标签匹配方式",
    ),
    Param("added_from", "date", "Added on or after this day (the corp's time zone)", label="添加时间（起）"),
    Param(
        "added_to",
        "date",
        "Added on or before this day (the corp's time zone)",
        label="添加时间（止）",
        after="added_from",
    ),
    Param("state", "list", "Channel: the contact way's state (添加渠道), comma-separated", label="添加渠道"),
    Param("gender", "ints", "0 unknown, 1 male, 2 female", (0, 1, 2), label="性别"),
    Param(
        "status",
        "choices",
        "Churn status of the relation: active 未流失, lost 已流失 (the customer deleted the staff member), "
        "deleted (the staff member deleted the customer)",
        ("active", "lost", "deleted"),
        label="流失状态",
    ),
    Param("type", "ints", "1 WeChat user, 2 WeCom user", (1, 2), label="客户类型"),
    *PAGING,
)


BY_NAME = {p.name: p for p in CUSTOMER_PARAMS}


async def search_customers(viewer: Viewer, p: dict[str, Any], tz: str) -> Page:
    """The scoped search the parsed parameters ask for; a filter naming a tag or member that does not exist
    is refused like a malformed one (400 naming it)."""
    filters = CustomerFilter(
        text=p["q"] or "",
        owners=p["owner"] or (),
        tag_ids=p["tags"] or (),
        all_tags=p["tag_mode"] == "all",
        added_from=reads.day_bounds(p["added_from"], tz)[0] if p["added_from"] else None,
        added_before=reads.day_bounds(p["added_to"], tz)[1] if p["added_to"] else None,
        states=p["state"] or (),
        genders=p["gender"] or (),
        statuses=p["status"] or (),
        customer_types=p["type"] or (),
    )
    try:
        return await reads.list_customers(viewer, filters, limit=p["limit"], offset=p["offset"])
    except InvalidQuery as exc:
        raise BY_NAME[exc.param].missing(exc.values) from None
