"""The customer search's query parameters and their meaning, shared by /api/v1/customers and the console."""

from __future__ import annotations

from typing import Any

from bot.contacts import conditions, reads
from bot.contacts.reads import CustomerFilter, InvalidQuery, Page
from bot.contacts.scope import Viewer
from bot.followups import conditions as _stage_condition  # noqa: F401 (registers the stage kind)
from sidebar_web.api.params import PAGING, BadParam, Param

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
    Param(
        "conditions",
        "json",
        'A condition tree, AND-ed with the filters above: a condition {"kind": "tags", "match": "any", '
        '"tag_ids": ["et1"]} or a group {"op": "and"|"or", "items": [...]}, either with optional '
        '"not": true; at most 10 items a group, 3 levels, 30 conditions. Kinds: '
        + ", ".join(sorted(conditions.kinds())),
        max_length=8000,
        label="筛选条件",
    ),
    Param(
        "sort",
        "choice",
        "Order of the rows: -added newest added first, added, name, -name, -active latest activity "
        "first, active",
        tuple(conditions.SORTS),
        "-added",
        label="排序",
    ),
    *PAGING,
)


BY_NAME = {p.name: p for p in CUSTOMER_PARAMS}


async def search_customers(viewer: Viewer, p: dict[str, Any], tz: str) -> Page:
    """The scoped search the parsed parameters ask for; a filter naming a tag or member that does not exist
    is refused like a malformed one (400 naming it), a wrong condition tree with the node it is about."""
    tree = conditions.EVERYTHING
    if p["conditions"] is not None:
        try:
            tree = await conditions.parse(p["conditions"], tz=tz)
        except conditions.ConditionError as exc:
            raise refused_tree(exc.message) from None
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
        tree=tree,
        sort=p["sort"],
    )
    try:
        return await reads.list_customers(viewer, filters, limit=p["limit"], offset=p["offset"])
    except InvalidQuery as exc:
        if exc.values:
            raise BY_NAME[exc.param].missing(exc.values) from None
        # a value the query parser let through but the condition refuses (a channel too long to exist)
        raise refused_tree(exc.message, exc.param) from None


def refused_tree(message: str, param: str = "conditions") -> BadParam:
    """400 naming the parameter, with the condition's own Chinese message (条件 2.1（企业标签）：找不到 …)."""
    label = BY_NAME[param].label
    reason = message.removeprefix(label + "：").removeprefix("筛选条件：")
    return BadParam(param, label, reason, f"{param}: {reason}")
