"""Who is asking: a staff login (WeCom OAuth; an encrypted cookie naming a session kept in the database) or an
API token from settings."""

from __future__ import annotations

import json
import logging
import secrets

from aiohttp import web
from cryptography.fernet import Fernet, InvalidToken
from yarl import URL

from bot.appkeys import SETTINGS, WECOM
from bot.contacts import scope
from bot.contacts import sessions as staff_sessions
from bot.contacts.scope import Viewer
from bot.settings import Settings
from bot.store.keys import data_key, same_secret
from bot.wecom.errors import InvalidCode

log = logging.getLogger(__name__)

COOKIE = "scrm_session"
SESSIONS = web.AppKey("sessions", "Sessions")
VIEWER = web.RequestKey("viewer", object)  # the resolved Viewer (or None), once per request


class Sessions:
    """A signed-and-encrypted cookie (Fernet) holding a small JSON dict; it expires after session_hours.

    A login's cookie holds the secret of a staff session (bot/contacts/sessions.py) and the CSRF token, never
    the userid itself: the session can then be ended server-side, and a copy of the cookie ends with it.
    Read only where a page or API call needs it, so the callback path never pays for sessions.
    """

    def __init__(self, key: bytes, hours: float, secure: bool):
        self.fernet = Fernet(key)
        self.hours = hours
        self.ttl = int(hours * 3600)
        self.secure = secure

    async def start(self, userid: str) -> dict:
        """A new login of `userid`: the cookie's contents."""
        return {"sid": await staff_sessions.start(userid, self.hours), "csrf": secrets.token_urlsafe(24)}

    def token(self, data: dict) -> str:
        """The cookie's value for `data` (tests and benchmarks send it themselves)."""
        return self.fernet.encrypt(json.dumps(data).encode()).decode()

    def read(self, request: web.Request) -> dict:
        token = request.cookies.get(COOKIE)
        if not token:
            return {}
        try:
            data = json.loads(self.fernet.decrypt(token.encode(), ttl=self.ttl))
        except (InvalidToken, ValueError):
            return {}  # expired, forged or from an old key: as if there were none
        return data if isinstance(data, dict) else {}

    def write(self, response: web.StreamResponse, data: dict) -> None:
        response.set_cookie(
            COOKIE,
            self.token(data),
            max_age=self.ttl,
            httponly=True,
            samesite="Lax",
            secure=self.secure,
            path="/",
        )

    def clear(self, response: web.StreamResponse) -> None:
        response.del_cookie(COOKIE, path="/")


def setup(app: web.Application, settings: Settings) -> None:
    app[SESSIONS] = Sessions(
        session_key(settings), settings.access.session_hours, settings.public_url.startswith("https://")
    )
    app.router.add_get("/auth/login", login, name="login")
    app.router.add_get("/auth/callback", oauth_callback, name="oauth_callback")
    app.router.add_get("/auth/logout", logout, name="logout")


def session_key(settings: Settings) -> bytes:
    """The configured Fernet key, or one generated once and kept (owner-readable only) in the data dir."""
    if settings.access.session_secret:
        return settings.access.session_secret.encode()
    return data_key(settings.data_dir, "session.key", Fernet.generate_key)


async def current_viewer(request: web.Request) -> Viewer | None:
    """The API token's admin view, or the logged-in staff member's role; None for nobody."""
    if VIEWER in request:
        return request[VIEWER]
    viewer = None
    settings = request.app[SETTINGS]
    auth = request.headers.get("Authorization", "")
    if auth.startswith("Bearer "):
        presented = auth.removeprefix("Bearer ").strip()
        for number, token in enumerate(settings.access.api_tokens, 1):
            if same_secret(presented, token):
                viewer = scope.token_viewer(f"API token #{number}")
    elif userid := await staff_sessions.userid_of(request.app[SESSIONS].read(request).get("sid")):
        viewer = await scope.viewer_for(userid, settings.access)
    request[VIEWER] = viewer
    return viewer


async def page_viewer(request: web.Request) -> Viewer:
    """The logged-in staff member for a page; anyone else is sent to log in and brought back here."""
    viewer = await current_viewer(request)
    if viewer is None or not viewer.userid:
        login_url = request.app.router["login"].url_for().with_query(next=request.path_qs)
        raise web.HTTPFound(login_url)
    return viewer


def csrf_token(request: web.Request) -> str:
    return request.app[SESSIONS].read(request).get("csrf", "")


async def check_csrf(request: web.Request) -> None:
    """Every write from a page carries the session's token (form field or X-CSRF-Token header)."""
    form = await request.post()
    if not csrf_ok(request, request.headers.get("X-CSRF-Token") or str(form.get("csrf", ""))):
        raise web.HTTPForbidden(text="页面已过期，请刷新后重试。")


def csrf_ok(request: web.Request, presented: str) -> bool:
    """Whether a presented token is the session's (streamed uploads check it before reading files)."""
    expected = csrf_token(request)
    return bool(expected) and same_secret(presented, expected)


def local_path(target: str | None) -> str:
    """The Location for a `next=` value: the path itself when it stays on this server, else "/". An open
    redirect would turn our login into a phishing tool.

    The check runs on the exact text aiohttp will send, not on what was asked for: yarl drops tab, CR and
    LF as it builds the header (browsers do too), so next=/%09/evil.example would go out as
    "//evil.example", which a browser reads as another host. A backslash is sent percent-encoded."""
    if not target:
        return "/"
    sent = str(URL(target))  # also percent-encodes every other control character, space and non-ASCII
    return sent if sent.startswith("/") and not sent.startswith("//") else "/"


async def login(request: web.Request) -> web.Response:
    """Send the person to WeCom's OAuth page; WeCom sends them back to /auth/callback with a code."""
    settings = request.app[SETTINGS]
    state = secrets.token_hex(16)  # WeCom allows [a-zA-Z0-9] only
    redirect_uri = settings.public_url + str(request.app.router["oauth_callback"].url_for())
    target = (
        URL(settings.wecom.oauth_url)
        .with_query(
            appid=settings.wecom.corp_id,
            redirect_uri=redirect_uri,
            response_type="code",
            scope="snsapi_base",
            state=state,
            agentid=str(settings.wecom.agent_id),
        )
        .with_fragment("wechat_redirect")
    )
    response = web.HTTPFound(target)
    next_path = local_path(request.query.get("next"))
    request.app[SESSIONS].write(response, {"oauth_state": state, "next": next_path})
    raise response


async def oauth_callback(request: web.Request) -> web.Response:
    sessions = request.app[SESSIONS]
    session = sessions.read(request)
    state, code = request.query.get("state", ""), request.query.get("code", "")
    expected = session.get("oauth_state", "")
    if not code or not expected or not same_secret(state, expected):
        raise web.HTTPBadRequest(text="登录链接已失效，请重新打开页面")
    try:
        identity = await request.app[WECOM].get_user_info_by_code(code)
    except InvalidCode:
        raise web.HTTPBadRequest(text="登录链接已失效，请重新打开页面") from None
    userid = identity.get("userid") or identity.get("UserId") or ""
    viewer = await scope.viewer_for(userid, request.app[SETTINGS].access) if userid else None
    if viewer is None:
        log.info("login refused: %s is not an active staff member", userid or "a non-member")
        raise web.HTTPForbidden(
            text="只有本企业的在职员工可以登录。如果你刚加入企业，请稍后再试或联系管理员。"
        )
    log.info("%s logged in as %s", viewer.userid, viewer.role)
    response = web.HTTPFound(local_path(session.get("next")))
    sessions.write(response, await sessions.start(viewer.userid))
    raise response


async def logout(request: web.Request) -> web.Response:
    """End this login on the server, not only in this browser: a copy of the cookie is refused from now on."""
    sessions = request.app[SESSIONS]
    await staff_sessions.end(sessions.read(request).get("sid"))
    response = web.HTTPFound(local_path(request.query.get("next")))
    sessions.clear(response)
    raise response
