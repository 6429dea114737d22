"""Security headers on every answer, set in one place: a Content-Security-Policy for each face of the server
(console, sidebar, radar pages), nosniff, a referrer policy, framing rules and, behind https, HSTS.

The policy allows script from our own origin only: no inline script, no inline event handler, no eval.
Pages carry none; data for scripts rides in <script type="application/json">, which a browser never runs,
and behaviour lives in static/. So a name that slipped past escaping still could not run.
"""

from __future__ import annotations

from aiohttp import web
from yarl import URL

from bot.appkeys import SETTINGS
from bot.settings import Settings

CONSOLE, SIDEBAR, RADAR = "console", "sidebar", "radar"
# The WeCom client opens the chat toolbar page (聊天工具栏, wecom-protocol.md §5) in its own webview as the
# top page, which frame-ancestors does not restrict. Should a WeCom client show it inside a page of its own,
# that page is on work.weixin.qq.com: so the sidebar may be framed by WeCom's origin and by nothing else,
# and the console and the radar pages by nothing at all.
WECOM_FRAMES = "https://work.weixin.qq.com https://*.work.weixin.qq.com"
# @wecom/jssdk opens its own frames on WeCom's login and open-platform hosts (the JS-API bridge outside the
# native client, the security-gateway confirmation).
WECOM_SDK_FRAMES = "https://login.work.weixin.qq.com https://open.work.weixin.qq.com"


def face(path: str) -> str:
    if path.startswith("/sidebar/"):
        return SIDEBAR
    if path.startswith(("/r/", "/media/")):
        return RADAR
    return CONSOLE  # the console, login, the API, static files, error pages


def policy(settings: Settings, which: str) -> str:
    own = ["'self'"]
    images = ["'self'", "data:", "blob:", "https:"]
    connect = ["'self'"]
    if settings.emulator.jssdk_shim:  # demo and tests: the emulator plays WeCom from its own origin
        emulator = str(URL(settings.wecom.api_base_url).origin())
        images.append(emulator)  # the seeded avatars
        connect.append(emulator)  # the stand-in JS-SDK reports sendChatMessage to it
    directives = {
        "default-src": own,
        "script-src": own,
        # Styles from our files only. ECharts, pdf.js and the WeCom SDK style their elements through the
        # DOM (element.style), which CSP allows; htmx's own <style> is switched off (includeIndicatorStyles
        # in the templates' htmx-config), and tooltips draw on the canvas, so no inline style is needed.
        "style-src": own,
        # Avatars and 联系我 QR codes come from Tencent's image hosts (wework.qpic.cn, wx.qlogo.cn, …),
        # which WeCom does not list; an image cannot run script, so any https origin may serve one.
        "img-src": images,
        "connect-src": connect,
        "media-src": own,
        "font-src": ["'self'", "data:"],
        "worker-src": own,  # pdf.js's worker, a static file
        "frame-src": WECOM_SDK_FRAMES.split() if which == SIDEBAR else ["'none'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": own,
        "frame-ancestors": WECOM_FRAMES.split() if which == SIDEBAR else ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


def headers_for(settings: Settings, which: str) -> dict[str, str]:
    headers = {
        "Content-Security-Policy": policy(settings, which),
        "X-Content-Type-Options": "nosniff",
        # Radar links carry the visitor's signed token: no page they open learns it (the pages say so too).
        "Referrer-Policy": "no-referrer" if which == RADAR else "same-origin",
    }
    if which != SIDEBAR:  # for browsers without frame-ancestors; it cannot name WeCom, so not on the sidebar
        headers["X-Frame-Options"] = "DENY"
    if settings.public_url.startswith("https://"):
        headers["Strict-Transport-Security"] = "max-age=31536000"
    return headers


HEADERS = web.AppKey("security_headers", dict)


def setup(app: web.Application) -> None:
    """Headers are added as each response is prepared rather than in a middleware: file responses and the
    streamed export are prepared inside their handlers, and aiohttp's own 404s and redirects pass here too."""
    app[HEADERS] = {which: headers_for(app[SETTINGS], which) for which in (CONSOLE, SIDEBAR, RADAR)}
    app.on_response_prepare.append(_add_headers)


async def _add_headers(request: web.Request, response: web.StreamResponse) -> None:
    for name, value in request.app[HEADERS][face(request.path)].items():
        response.headers.setdefault(name, value)
