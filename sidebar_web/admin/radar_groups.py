"""The console's radar group page (/console/radar/groups): add, rename, order, choose departments, delete."""

from __future__ import annotations

from aiohttp import web

from bot.services import InvalidInput, ordering, radar_groups, reads
from sidebar_web.admin.views import admin_only, console_page
from sidebar_web.auth import check_csrf

ADMINS_ONLY = "只有管理员可以管理雷达分组。"


async def group_list(request: web.Request) -> web.Response:
    await admin_only(request, ADMINS_ONLY)
    return await _render(request)


async def create(request: web.Request) -> web.Response:
    form = await _form(request)
    return await _apply(request, radar_groups.create_group(str(form.get("name", ""))), "已添加分组“{}”。")


async def rename(request: web.Request) -> web.Response:
    form = await _form(request)
    change = radar_groups.rename_group(_group_id(request), str(form.get("name", "")))
    return await _apply(request, change, "已改名为“{}”。")


async def departments(request: web.Request) -> web.Response:
    form = await _form(request)
    try:
        chosen = [int(d) for d in form.getall("departments", [])]
    except ValueError:
        return await _render(request, error="所选部门不存在，请刷新后重试。", status=400)
    change = radar_groups.set_visible_departments(_group_id(request), chosen)
    return await _apply(request, change, "已更新“{}”的可见部门。")


async def move(request: web.Request) -> web.Response:
    form = await _form(request)
    return await _apply(request, radar_groups.move_group(_group_id(request), str(form.get("direction", ""))))


async def delete(request: web.Request) -> web.Response:
    await _form(request)
    return await _apply(request, radar_groups.delete_group(_group_id(request)), "已删除分组。")


async def _form(request: web.Request):
    await admin_only(request, ADMINS_ONLY)
    await check_csrf(request)
    return await request.post()


def _group_id(request: web.Request) -> int:
    try:
        return int(request.match_info["group_id"])
    except ValueError:
        raise web.HTTPNotFound(text="雷达分组不存在。") from None


async def _apply(request: web.Request, change, notice: str = "") -> web.Response:
    """Run one change; a refusal shows its reason above the unchanged list (400)."""
    try:
        result = await change
    except InvalidInput as exc:
        return await _render(request, error=exc.message, status=400)
    return await _render(request, notice=notice.format(getattr(result, "name", "")))


async def _render(request: web.Request, *, notice: str = "", error: str = "", status: int = 200):
    template = "admin/_radar_groups.html" if request.headers.get("HX-Request") else "admin/radar_groups.html"
    context = {
        "groups": await radar_groups.list_groups(),
        "all_departments": await reads.departments(),
        "moves": ordering.MOVES,
        "notice": notice,
    }
    return await console_page(request, template, status=status, error=error, **context)
