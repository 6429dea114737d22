"""The radar analytics' customer search, read from a query the same way by the console and the API."""

from __future__ import annotations

from aiohttp import web

from bot.contacts.reads import day_bounds
from bot.radar.analytics import figures as radar_stats
from bot.radar.analytics.figures import CustomerFilter
from sidebar_web.api.params import PAGING, Param, parse, path_id

CUSTOMER_PARAMS = (
    Param("q", "text", "Text in the customer's name or a staff remark", label="客户信息"),
    Param("userid", "text", "The staff member who sent the radar (所属成员)", label="所属成员"),
    Param(
        "last_from", "date", "Last visit on or after this day (server.timezone)", label="最近访问时间（起）"
    ),
    Param(
        "last_to",
        "date",
        "Last visit on or before this day (server.timezone)",
        label="最近访问时间（止）",
        after="last_from",
    ),
    *PAGING,
)


def customer_filter(query, tz: str, params=CUSTOMER_PARAMS) -> tuple[dict, CustomerFilter]:
    """The parsed parameters and the filter they mean; a 400 names a malformed one."""
    p = parse(query, params)
    return p, filter_of(p, tz)


def filter_of(p: dict, tz: str) -> CustomerFilter:
    return CustomerFilter(
        text=p["q"] or "",
        userid=p["userid"] or "",
        last_from=day_bounds(p["last_from"], tz)[0] if p["last_from"] else None,
        last_before=day_bounds(p["last_to"], tz)[1] if p["last_to"] else None,
    )


async def radar_from_path(request: web.Request, missing: str = "雷达不存在。"):
    radar = await radar_stats.radar_to_analyse(path_id(request, "radar_id", missing))
    if radar is None:
        raise web.HTTPNotFound(text=missing)
    return radar
