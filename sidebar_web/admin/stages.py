"""The console's stage page (/console/stages): admins add, rename, order and delete customer stages."""

from __future__ import annotations

from aiohttp import web

from bot.services import stages
from sidebar_web.admin.views import admin_only, console_page
from sidebar_web.auth import check_csrf


async def stage_list(request: web.Request) -> web.Response:
    await admin_only(request, "只有管理员可以管理客户阶段。")
    return await _render(request)


async def create(request: web.Request) -> web.Response:
    form = await _checked_form(request)
    return await _apply(request, stages.create_stage(str(form.get("name", ""))), "已添加阶段「{}」。")


async def rename(request: web.Request) -> web.Response:
    form = await _checked_form(request)
    change = stages.rename_stage(_stage_id(request), str(form.get("name", "")))
    return await _apply(request, change, "已改名为「{}」。")


async def delete(request: web.Request) -> web.Response:
    await _checked_form(request)
    stage_id = _stage_id(request)
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
    form = await _checked_form(request)
    return await _apply(request, stages.move_stage(_stage_id(request), str(form.get("direction", ""))))


async def _checked_form(request: web.Request):
    await admin_only(request, "只有管理员可以管理客户阶段。")
    await check_csrf(request)
    return await request.post()


def _stage_id(request: web.Request) -> int:
    try:
        return int(request.match_info["stage_id"])
    except ValueError:
        raise web.HTTPNotFound(text="客户阶段不存在。") from None


async def _apply(request: web.Request, change, notice: str = "") -> web.Response:
    """Run one change; a refusal shows its message above the unchanged list."""
    try:
        result = await change
    except stages.StageError as exc:
        return await _render(request, error=exc.message, status=400)
    return await _render(request, notice=notice.format(getattr(result, "name", "")))


async def _render(request: web.Request, *, notice: str = "", error: str = "", status: int = 200):
    # htmx swaps the section only; a plain form post gets the whole page.
    template = "admin/_stages.html" if request.headers.get("HX-Request") else "admin/stages.html"
    context = {"stages": await stages.list_stages(), "usage": await stages.usage(), "notice": notice}
    return await console_page(request, template, status=status, error=error, **context)
