"""/api/v1 radar analytics: the console's figures as JSON, for admins and API tokens only."""

from __future__ import annotations

from aiohttp import web

from bot.appkeys import SETTINGS
from bot.radar.analytics import figures as radar_stats
from bot.radar.analytics import network as radar_network
from sidebar_web.api.params import parse
from sidebar_web.api.radar_query import CUSTOMER_PARAMS, customer_filter, radar_from_path
from sidebar_web.api.responses import api_viewer, json_response


async def _radar(request: web.Request):
    viewer = await api_viewer(request)
    if not viewer.is_admin:
        raise web.HTTPForbidden(text="radar analytics are for admins")
    return await radar_from_path(request, "no such radar")


async def radar_analytics(request: web.Request) -> web.Response:
    radar = await _radar(request)
    parse(request.query, ())
    o = await radar_stats.analytics(radar, request.app[SETTINGS].server.timezone)
    return json_response(
        {
            "radar": {"id": radar.id, "name": radar.name, "type": radar.type},
            "figures": o.figures,
            "definitions": {key: note for key, (_label, note) in radar_stats.FIGURES.items()},
            "levels": o.levels,
            "leaderboard_by_visits": o.by_visits,
            "leaderboard_by_time": o.by_time,
            "funnel": o.funnel,
        }
    )


async def radar_customers(request: web.Request) -> web.Response:
    radar = await _radar(request)
    p, f = customer_filter(request.query, request.app[SETTINGS].server.timezone)
    total, items = await radar_stats.customers(radar, f, limit=p["limit"], offset=p["offset"])
    return json_response({"total": total, "limit": p["limit"], "offset": p["offset"], "items": items})


async def radar_staff(request: web.Request) -> web.Response:
    radar = await _radar(request)
    parse(request.query, ())
    return json_response({"items": await radar_stats.staff(radar)})


async def radar_customer_path(request: web.Request) -> web.Response:
    radar = await _radar(request)
    parse(request.query, ())
    path = await radar_network.source_path(radar, request.match_info["external_userid"])
    if path is None:
        raise web.HTTPNotFound(text="the customer never visited this radar")
    return json_response(path)


async def radar_customer_network(request: web.Request) -> web.Response:
    radar = await _radar(request)
    parse(request.query, ())
    graph = await radar_network.network(radar, request.match_info["external_userid"])
    if graph is None:
        raise web.HTTPNotFound(text="the customer never visited this radar")
    return json_response(graph)


_BASE = "/radars/{radar_id}/analytics"
RADAR_ENDPOINTS = (
    (_BASE, radar_analytics, (), "A radar's figures, customer levels, leaderboards and funnel (admins)"),
    (_BASE + "/customers", radar_customers, CUSTOMER_PARAMS, "Customers who visited a radar (admins)"),
    (_BASE + "/staff", radar_staff, (), "Per staff member: sends, direct customers, visits (admins)"),
    (_BASE + "/customers/{external_userid}/path", radar_customer_path, (), "A customer's source path"),
    (_BASE + "/customers/{external_userid}/network", radar_customer_network, (), "A customer's share tree"),
)
