"""The console's radar group page (/console/radar/groups): add, rename, order, choose departments, delete."""

from __future__ import annotations

from aiohttp import web

from bot.contacts import reads
from bot.radar import groups as radar_groups
from bot.store import ordering
from sidebar_web.admin.lists import admin_form, apply
from sidebar_web.admin.views import admin_only, console_page
from sidebar_web.api.params import path_id, whole_number

ADMINS_ONLY = "只有管理员可以管理雷达分组。"


async def group_list(request: web.Request) -> web.Response:
    await admin_only(request, ADMINS_ONLY)
    return await _render(request)


async def create(request: web.Request) -> web.Response:
    form = await admin_form(request, ADMINS_ONLY)
    return await apply(
        request, _render, radar_groups.create_group(str(form.get("name", ""))), "已添加分组“{}”。"
    )


async def rename(request: web.Request) -> web.Response:
    form = await admin_form(request, ADMINS_ONLY)
    change = radar_groups.rename_group(
        path_id(request, "group_id", "雷达分组不存在。"), str(form.get("name", ""))
    )
    return await apply(request, _render, change, "已改名为“{}”。")


async def departments(request: web.Request) -> web.Response:
    form = await admin_form(request, ADMINS_ONLY)
    chosen = [whole_number(str(d)) for d in form.getall("departments", [])]
    if None in chosen:
        return await _render(request, error="所选部门不存在，请刷新后重试。", status=400)
    change = radar_groups.set_visible_departments(path_id(request, "group_id", "雷达分组不存在。"), chosen)
    return await apply(request, _render, change, "已更新“{}”的可见部门。")


async def move(request: web.Request) -> web.Response:
    form = await admin_form(request, ADMINS_ONLY)
    return await apply(
        request,
        _render,
        radar_groups.move_group(
            path_id(request, "group_id", "雷达分组不存在。"), str(form.get("direction", ""))
        ),
    )


async def delete(request: web.Request) -> web.Response:
    await admin_form(request, ADMINS_ONLY)
    return await apply(
        request,
        _render,
        radar_groups.delete_group(path_id(request, "group_id", "雷达分组不存在。")),
        "已删除分组。",
    )


async def _render(request: web.Request, *, notice: str = "", error: str = "", status: int = 200):
    template = "admin/_radar_groups.html" if request.headers.get("HX-Request") else "admin/radar_groups.html"
    context = {
        "groups": await radar_groups.list_groups(),
        "all_departments": await reads.departments(),
        "moves": ordering.MOVES,
        "notice": notice,
    }
    return await console_page(request, template, status=status, error=error, **context)
