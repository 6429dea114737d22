"""What every request carries, checked once before any view runs: path segments, query parameters and
form fields.

Each dynamic path segment is declared here by name (a row id, or text of bounded length), and a value no
view could use (an id beyond 64 bits, an id longer than its column) is a 404; the app refuses to start with
a route whose segment is not declared. No value may hold a control character or a lone surrogate
(PostgreSQL refuses NUL in text, the drivers cannot encode a surrogate): a 400 naming the field. Views then
parse numbers with api.params, which refuses what the database cannot hold.
"""

from __future__ import annotations

import re

from aiohttp import web

from sidebar_web.api.params import printable, unreadable, whole_number

ID = 0  # a row of ours: a positive whole number the database can hold
# name -> (ID, or the most UTF-8 bytes the text may have; the reason a bad value is not found)
SEGMENTS: dict[str, tuple[int, str]] = {
    "radar_id": (ID, "这个雷达不存在或已删除。"),
    "stage_id": (ID, "客户阶段不存在。"),
    "group_id": (ID, "雷达分组不存在。"),
    "visit_id": (ID, "找不到这次访问，或它不是发给你的雷达提醒。"),
    # WeCom's ids fit the 64-character columns that keep them
    "external_userid": (64, "找不到这位客户，或你没有查看权限。"),
    "chat_id": (64, "找不到这个客户群，或你没有查看权限。"),
    "name": (64, "文件不存在，或已被删除。"),  # a stored radar file: 32 hex digits and an extension
    "token": (1024, "这个链接无效或已过期，请向您的顾问重新索取。"),  # LinkSigner refuses longer links
    "filename": (255, "文件不存在。"),  # a static file: no file system takes a longer name
}


def acceptable(name: str, value: str) -> bool:
    kind = SEGMENTS[name][0]
    if kind == ID:
        number = whole_number(value)
        return number is not None and number > 0
    return 0 < len(value.encode("utf-8", "surrogatepass")) <= kind and printable(value)


FORM = "application/x-www-form-urlencoded"


@web.middleware
async def request_guard(request: web.Request, handler) -> web.StreamResponse:
    for name, value in request.match_info.items():
        if not acceptable(name, value):
            raise web.HTTPNotFound(text=SEGMENTS[name][1])
    for name, value in request.query.items():
        if not (printable(name) and printable(value)):
            raise unreadable(name)
    # A form is read here once (aiohttp keeps it for the view); multipart uploads stream their files to disk
    # and check their text fields as they read them (admin/radars.py).
    if request.method == "POST" and request.content_type == FORM:
        for name, value in (await request.post()).items():
            if not (printable(name) and (not isinstance(value, str) or printable(value, lines=True))):
                raise unreadable(name)
    return await handler(request)


def check_routes(app: web.Application) -> None:
    """Every segment of every route is declared above, so none escapes the guard."""
    for resource in app.router.resources():
        info = resource.get_info()
        names = re.findall(r"\{(\w+)", info.get("formatter", "")) + (["filename"] if "prefix" in info else [])
        undeclared = [n for n in names if n not in SEGMENTS]
        if undeclared:
            raise RuntimeError(f"{resource.canonical}: path segments {undeclared} are not in SEGMENTS")
