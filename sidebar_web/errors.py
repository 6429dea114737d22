"""One error middleware: a Chinese error page for people, JSON for /api/, and a log line for every 500."""

from __future__ import annotations

import json
import logging
from functools import partial

from aiohttp import web

from sidebar_web.api.params import BadParam
from sidebar_web.render import STATIC_URLS, render

log = logging.getLogger(__name__)

PAGES = {
    400: ("请求有误", "请求的内容不完整或格式不对，请返回后重试。"),
    403: ("没有权限", "你没有查看这个页面的权限。如需访问，请联系管理员。"),
    404: ("页面不存在", "你要找的页面不存在，或已被删除。"),
    405: ("请求方式不支持", "这个地址不支持这种请求方式。"),
    413: ("内容过大", "提交的内容超过了允许的大小。"),
    500: ("服务暂时不可用", "服务器出了点问题，我们已记录下来。请稍后再试。"),
}


_dumps = partial(json.dumps, ensure_ascii=False)

# Answered in JSON: the API, and the sidebar endpoints its scripts fetch (signatures, radar sends).
JSON_PATHS = ("/api/", "/sidebar/jssdk-config", "/sidebar/radars/")


def error_response(request: web.Request, status: int, detail: str = "", bad: BadParam | None = None):
    title, message = PAGES.get(status, PAGES[500] if status >= 500 else PAGES[400])
    if request.path.startswith(JSON_PATHS):
        body = {"error": detail or title, "status": status}
        if bad is not None:  # a bad query parameter, named so a client can point at it, in both languages
            body.update(error=bad.error, message=bad.message, param=bad.param)
        return web.json_response(body, status=status, dumps=_dumps)
    page = {"status": status, "title": title, "message": detail or message}
    return render("error.html", {**page, "static": request.app[STATIC_URLS]}, status)


@web.middleware
async def error_middleware(request: web.Request, handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        detail = exc.text if exc.text != exc.reason else ""
        return error_response(request, exc.status, detail, exc if isinstance(exc, BadParam) else None)
    except Exception:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(request, 500)
