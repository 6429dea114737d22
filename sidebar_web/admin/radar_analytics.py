"""The console's radar analytics (数据分析): overview, customer analysis with batch tags and export, staff."""

from __future__ import annotations

import tempfile
from urllib.parse import quote

from aiohttp import web

from bot.appkeys import SETTINGS, WECOM
from bot.contacts import reads
from bot.radar.analytics import export as radar_export
from bot.radar.analytics import figures as radar_stats
from bot.radar.analytics import network as radar_network
from bot.values import InvalidInput, local_time
from sidebar_web.admin.lists import admin_form
from sidebar_web.admin.paging import pager, read_filters, searched
from sidebar_web.admin.views import admin_only, console_page
from sidebar_web.api.params import PAGING
from sidebar_web.api.radar_query import CUSTOMER_PARAMS, customer_filter, filter_of, radar_from_path

ADMINS_ONLY = "只有管理员可以查看雷达数据分析。"
EXPORT_WRITE = 64 * 1024  # bytes of the workbook sent at a time


def _tz(request: web.Request) -> str:
    return request.app[SETTINGS].server.timezone


async def overview(request: web.Request) -> web.Response:
    await admin_only(request, ADMINS_ONLY)
    radar = await radar_from_path(request)
    data = await radar_stats.analytics(radar, _tz(request))
    funnel = [{"name": s["label"], "value": s["value"]} for s in data.funnel]
    return await console_page(
        request, "admin/radar_analytics.html", tab="overview", radar=radar, o=data,
        figures=radar_stats.FIGURES, notes=radar_stats, funnel=funnel,
        spoken=radar_stats.spoken_seconds,
    )  # fmt: skip


async def customers(request: web.Request) -> web.Response:
    await admin_only(request, ADMINS_ONLY)
    radar = await radar_from_path(request)
    return await _customers(request, radar)


async def _customers(request, radar, *, notice: str = "", error: str = "", refused=None, status: int = 200):
    p, errors = read_filters(request.query, CUSTOMER_PARAMS)
    f = filter_of(p, _tz(request))
    total, rows = await searched(
        errors, lambda: radar_stats.customers(radar, f, limit=p["limit"], offset=p["offset"]), (0, [])
    )
    list_url = request.app.router["console_radar_analytics_customers"].url_for(radar_id=str(radar.id))
    pages = pager(list_url, request.query, CUSTOMER_PARAMS, total=total, limit=p["limit"], offset=p["offset"])
    # Any htmx request (the search form, a batch tag) swaps the section; only a plain page load, or a form
    # sent without script, gets the whole page.
    template = (
        "admin/_radar_analytics_customers.html"
        if request.headers.get("HX-Request")
        else "admin/radar_analytics.html"
    )
    return await console_page(
        request, template, status=400 if errors else status, error=error, errors=errors, tab="customers",
        radar=radar, rows=rows, total=total, p=p, pages=pages, notice=notice,
        refused=refused or {}, members=await reads.members(include_inactive=True),
        tag_groups=await reads.tag_groups(), spoken=radar_stats.spoken_seconds,
        export_query=request.query_string,
    )  # fmt: skip


async def batch_tag(request: web.Request) -> web.Response:
    form = await admin_form(request, ADMINS_ONLY)
    radar = await radar_from_path(request)
    try:
        result = await radar_network.batch_tag(
            request.app[WECOM], radar, form.getall("external_userid", []), str(form.get("tag", ""))
        )
    except InvalidInput as exc:
        return await _customers(request, radar, error=exc.message, status=400)
    notice = f"已为 {len(result['tagged'])} 位客户打上标签“{result['tag']}”。"
    if result["refused"]:
        notice += f"{len(result['refused'])} 位未能打上，原因见下。"
    return await _customers(request, radar, notice=notice, refused=result["refused"])


async def export(request: web.Request) -> web.Response:
    await admin_only(request, ADMINS_ONLY)
    radar = await radar_from_path(request)
    params = tuple(p for p in CUSTOMER_PARAMS if p.name not in ("limit", "offset"))
    _, f = customer_filter(request.query, _tz(request), params)
    name = quote(f"雷达数据-{radar.name}.xlsx")
    disposition = f"attachment; filename=radar-{radar.id}.xlsx; filename*=UTF-8''{name}"
    with tempfile.TemporaryFile() as out:  # the workbook is never held in memory whole
        await radar_export.write_workbook(radar, f, _tz(request), out)
        response = web.StreamResponse(headers={"Content-Disposition": disposition})
        response.content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        response.content_length = out.tell()
        await response.prepare(request)
        out.seek(0)
        while chunk := out.read(EXPORT_WRITE):
            await response.write(chunk)
        await response.write_eof()
    return response


async def staff(request: web.Request) -> web.Response:
    await admin_only(request, ADMINS_ONLY)
    radar = await radar_from_path(request)
    p, errors = read_filters(request.query, PAGING)
    # The ranking needs every member's figures whatever the page, so the page is a slice of it.
    rows = await radar_stats.staff(radar)
    list_url = request.app.router["console_radar_analytics_staff"].url_for(radar_id=str(radar.id))
    pages = pager(list_url, request.query, PAGING, total=len(rows), limit=p["limit"], offset=p["offset"])
    return await console_page(
        request, "admin/radar_analytics.html", status=400 if errors else 200, tab="staff", radar=radar,
        rows=rows[p["offset"] : p["offset"] + p["limit"]], pages=pages, errors=errors,
    )  # fmt: skip


async def source_path(request: web.Request) -> web.Response:
    await admin_only(request, ADMINS_ONLY)
    radar = await radar_from_path(request)
    path = await radar_network.source_path(radar, request.match_info["external_userid"])
    if path is None:
        raise web.HTTPNotFound(text="这位客户没有访问过这个雷达。")
    return await console_page(request, "admin/radar_analytics_path.html", radar=radar, source=path)


async def network(request: web.Request) -> web.Response:
    await admin_only(request, ADMINS_ONLY)
    radar = await radar_from_path(request)
    external_userid = request.match_info["external_userid"]
    graph = await radar_network.network(radar, external_userid)
    if graph is None:
        raise web.HTTPNotFound(text="这位客户没有访问过这个雷达。")
    tz = _tz(request)
    chart = {
        "nodes": [
            {"id": n["id"], "name": n["name"], "value": n["visits"], "root": n["root"]}
            for n in graph["nodes"]
        ],
        "links": [
            {
                "source": e["source"], "target": e["target"], "value": e["count"],
                "first": local_time(e["first"], tz), "last": local_time(e["last"], tz),
            }
            for e in graph["edges"]
        ],
    }  # fmt: skip
    return await console_page(
        request, "admin/radar_analytics_network.html", radar=radar, graph=graph,
        root=next(n for n in graph["nodes"] if n["root"]), chart=chart,
    )  # fmt: skip


def setup_routes(app: web.Application) -> None:
    r, base = app.router, "/console/radar/radars/{radar_id}/analytics"
    r.add_get(base, overview, name="console_radar_analytics")
    r.add_get(base + "/customers", customers, name="console_radar_analytics_customers")
    r.add_post(base + "/customers/tag", batch_tag, name="console_radar_analytics_tag")
    r.add_get(base + "/customers.xlsx", export, name="console_radar_analytics_export")
    r.add_get(base + "/staff", staff, name="console_radar_analytics_staff")
    r.add_get(base + "/customers/{external_userid}/path", source_path, name="console_radar_analytics_path")
    r.add_get(base + "/customers/{external_userid}/network", network, name="console_radar_analytics_network")
