"""What the console's hand-kept lists (stages, radar groups) share: admin-only posts, and
one change at a time whose refusal is shown above the unchanged list."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from bot.values import InvalidInput
from sidebar_web.admin.views import admin_only
from sidebar_web.auth import check_csrf

Render = Callable[..., Awaitable[web.Response]]


async def admin_form(request: web.Request, refusal: str):
    """The posted form of an admin, its CSRF token checked."""
    await admin_only(request, refusal)
    await check_csrf(request)
    return await request.post()


async def apply(request: web.Request, render: Render, change: Awaitable, notice: str = "") -> web.Response:
    """Run one change and show the list again: with the notice (the changed row's name filled in), or with
    the refusal's reason and 400."""
    try:
        result = await change
    except InvalidInput as exc:
        return await render(request, error=exc.message, status=400)
    return await render(request, notice=notice.format(getattr(result, "name", "")))
