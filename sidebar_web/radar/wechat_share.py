"""GET /r/wx/config?url=: the wx.config and share card of a radar page opened in WeChat.

The route exists only when radar.wechat_app_id is set; page.html loads jweixin only when it does."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

from aiohttp import web

from bot.appkeys import HTTP, SETTINGS
from bot.radar import wechat as radar_wechat
from bot.radar.wechat import ShareRefused
from bot.wecom.errors import WeComError
from bot.wecom.wechat import WeChatJsApi
from sidebar_web.radar.views import SIGNER

log = logging.getLogger(__name__)

JS_API = web.AppKey("radar_wechat_js_api", WeChatJsApi)


def setup_routes(app: web.Application) -> None:
    app.cleanup_ctx.append(js_api_ctx)
    app.router.add_get("/r/wx/config", wx_config, name="radar_wx_config")


async def js_api_ctx(app: web.Application) -> AsyncIterator[None]:
    app[JS_API] = radar_wechat.js_api(app[HTTP], app[SETTINGS])
    yield


async def wx_config(request: web.Request) -> web.Response:
    """The page asks with its own location.href; a refusal leaves it with its address-bar fallback."""
    app = request.app
    try:
        config = await radar_wechat.share_config(
            app[JS_API], app[SIGNER], app[SETTINGS].public_url, request.query.get("url", "")
        )
    except ShareRefused as exc:
        return _error(400, exc.message, exc.field)
    except WeComError as exc:
        log.warning("radar share card: %s", exc)
        return _error(503, "暂时无法连接微信，分享卡片未能设置。")
    if config is None:
        return _error(404, "这个雷达已被删除。")
    return web.json_response(config, headers={"Cache-Control": "no-store"})


def _error(status: int, message: str, param: str = "") -> web.Response:
    body = {"error": message, "status": status, **({"param": param} if param else {})}
    return web.json_response(body, status=status)
