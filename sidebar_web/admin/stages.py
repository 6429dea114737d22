"""The console's stage page (/console/stages): admins add, rename, order and delete customer stages."""

from __future__ import annotations

from aiohttp import web

from bot.followups import stages
from sidebar_web.admin.lists import admin_form, apply
from sidebar_web.admin.views import admin_only, console_page
from sidebar_web.api.params import path_id

ADMINS_ONLY = "只有管理员可以管理客户阶段。"


async def stage_list(request: web.Request) -> web.Response:
    await admin_only(request, ADMINS_ONLY)
    return await _render(request)


async def create(request: web.Request) -> web.Response:
    form = await admin_form(request, ADMINS_ONLY)
    return await apply(request, _render, stages.create_stage(str(form.get("name", ""))), "已添加阶段「{}」。")


async def rename(request: web.Request) -> web.Response:
    form = await admin_form(request, ADMINS_ONLY)
    change = stages.rename_stage(path_id(request, "stage_id", "客户阶段不存在。"), str(form.get("name", "")))
    return await apply(request, _render, change, "已改名为「{}」。")


async def delete(request: web.Request) -> web.Response:
    await admin_form(request, ADMINS_ONLY)
    stage_id = path_id(request, "stage_id", "客户阶段不存在。")
    try:
        name = (await stages.live_stage(stage_id)).name
        in_use = await stages.delete_stage(stage_id)
    except stages.StageError as exc:
        return await _render(request, error=exc.message, status=400)
    notice = f"已删除阶段「{name}」。"
    if in_use:
        notice += f"仍有 {in_use} 位客户处于该阶段：保留原阶段名，员工可改设其他阶段。"
    return await _render(request, notice=notice)


async def move(request: web.Request) -> web.Response:
    form = await admin_form(request, ADMINS_ONLY)
    return await apply(
        request,
        _render,
        stages.move_stage(path_id(request, "stage_id", "客户阶段不存在。"), str(form.get("direction", ""))),
    )


async def _render(request: web.Request, *, notice: str = "", error: str = "", status: int = 200):
    # htmx swaps the section only; a plain form post gets the whole page.
    template = "admin/_stages.html" if request.headers.get("HX-Request") else "admin/stages.html"
    context = {"stages": await stages.list_stages(), "usage": await stages.usage(), "notice": notice}
    return await console_page(request, template, status=status, error=error, **context)
