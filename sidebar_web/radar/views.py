"""Radar pages: verify the link, know the visitor (cookie or OAuth), record the visit, show the content;
and the beacon endpoint the page reports viewing time, progress and shares to."""

from __future__ import annotations

import hashlib
import logging
from datetime import UTC, datetime

from aiohttp import web

from bot.appkeys import HTTP, SETTINGS, WECOM
from bot.radar import beacons as radar_beacons
from bot.radar import files as radar_files
from bot.radar import visitors as radar_visitors
from bot.radar import visits as radar_visits
from bot.radar.beacons import BeaconLimiter, BeaconWriter
from bot.radar.links import BadLink, LinkSigner, RadarLink
from bot.radar.models import Radar
from bot.store.group_commit import GroupCommit
from bot.wecom.errors import InvalidCode, WeComError
from sidebar_web.api.params import whole_number
from sidebar_web.radar.pages import ContentPages
from sidebar_web.render import STATIC_URLS, render

log = logging.getLogger(__name__)


SIGNER = web.AppKey("radar_signer", LinkSigner)
PAGES = web.AppKey("radar_content_pages", ContentPages)
LIMITER = web.AppKey("radar_beacon_limiter", BeaconLimiter)
BEACONS = web.AppKey("radar_beacon_writer", BeaconWriter)
VISITS = web.AppKey("radar_visit_writer", GroupCommit)
COOKIE = "scrm_radar"
_YEAR = 365 * 86400
BAD_LINK = "这个链接无效或已过期，请向您的顾问重新索取。"


async def radar_page(request: web.Request) -> web.StreamResponse:
    app = request.app
    settings, signer = app[SETTINGS], app[SIGNER]
    token = request.match_info["token"]
    try:
        link = signer.verify(token)
    except BadLink as exc:
        log.info("radar link refused: %s", exc.reason)
        raise web.HTTPBadRequest(text=BAD_LINK) from None
    now = datetime.now(UTC)
    where = {"ip": request.remote or "", "user_agent": request.headers.get("User-Agent", ""), "now": now}
    # A cookie's visitor is read with the visit's burst; one we do not know goes through OAuth.
    visitor_id = radar_visitors.visitor_id_in(signer, request.cookies.get(COOKIE))
    opened = None
    if visitor_id:
        opened = await radar_visits.open_visit(link, visitor_id, **where, writer=app[VISITS])
    visitor = None
    if opened is None:
        visitor = await _visitor_from_oauth(request, link, token, now)
        opened = await radar_visits.open_visit(link, visitor, **where, writer=app[VISITS])
    response = await _page(request, link, opened)
    if visitor is not None:
        response.set_cookie(
            COOKIE,
            radar_visitors.cookie_for(signer, visitor),
            max_age=_YEAR,
            path="/r/",
            httponly=True,
            samesite="Lax",
            secure=settings.public_url.startswith("https://"),
        )
    return response


def _oauth_state(signer: LinkSigner, token: str) -> str:
    """Ties a code to the link it was asked for; OAuth allows [a-zA-Z0-9] only."""
    return hashlib.sha256(signer.seal("oauth", token).encode()).hexdigest()[:32]


async def _visitor_from_oauth(request: web.Request, link: RadarLink, token: str, now: datetime):
    app = request.app
    settings, signer = app[SETTINGS], app[SIGNER]
    state = _oauth_state(signer, token)
    code = request.query.get("code", "")
    again = "again" in request.query  # a second code failed too: stop rather than loop through OAuth

    def to_oauth(retry: bool) -> web.HTTPFound:
        back = settings.public_url + str(app.router["radar_page"].url_for(token=token))
        return web.HTTPFound(
            radar_visitors.authorize_url(settings, back + ("?again=1" if retry else ""), state)
        )

    if not code:
        raise to_oauth(again)
    if request.query.get("state") != state:
        raise web.HTTPBadRequest(text=BAD_LINK)
    try:
        identity = await radar_visitors.identify(settings, app[WECOM], app[HTTP], code)
    except InvalidCode:  # a reload of the address with a used code in it
        if again:
            raise web.HTTPBadRequest(text="身份确认已失效，请关闭页面后重新打开链接。") from None
        raise to_oauth(True) from None
    except WeComError as exc:
        log.warning("radar visitor OAuth failed: %s", exc)
        raise web.HTTPServiceUnavailable(text="暂时无法确认您的身份，请稍后重新打开链接。") from None
    return await radar_visitors.remember(identity, link.recipient, now)


async def _page(request: web.Request, link: RadarLink, opened: radar_visits.Opened) -> web.Response:
    app = request.app
    settings, signer = app[SETTINGS], app[SIGNER]
    radar = opened.radar
    context = {"radar": radar, "url": app.router, "static": app[STATIC_URLS]}
    if opened.outcome == radar_visits.GONE:
        return render("radar/gone.html", context, status=410)
    if opened.outcome == radar_visits.FRIENDS_ONLY:
        context["advisor"] = await radar_visits.advisor(app[WECOM], link.userid)
        return render("radar/add_advisor.html", context)
    visit = opened.visit
    if radar.type == Radar.LINK:
        target = radar.link_url if radar.link_url.startswith(("https://", "http://")) else ""
        return render("radar/link.html", {**context, "target": target})
    shared = signer.sign(link.shared_from(visit.id))
    html = app[PAGES].render(
        radar,
        "MicroMessenger" in request.headers.get("User-Agent", ""),
        lambda: {
            **context,
            "beacon_url": str(app.router["radar_beacon"].url_for()),
            "media_url": radar_files.media_path(radar.file),
            "heartbeat": settings.radar.heartbeat_seconds,
        },
        visit_key=radar_visits.visit_key(signer, visit),
        share_url=settings.public_url + str(app.router["radar_page"].url_for(token=shared)),
    )
    return web.Response(text=html, content_type="text/html")


async def beacon(request: web.Request) -> web.Response:
    """navigator.sendBeacon posts here (form-encoded k, e, v). A key we did not sign is ignored (204) and
    costs no limit; a genuine one counts for its visitor and address and is answered once committed."""
    form = await request.post()
    event = str(form.get("e", ""))
    if event not in radar_beacons.EVENTS:
        raise web.HTTPBadRequest(text="未知的事件")
    value = whole_number(str(form.get("v") or 0))
    if value is None:
        raise web.HTTPBadRequest(text="进度必须是整数")
    ids = radar_visits.read_visit_key(request.app[SIGNER], str(form.get("k", "")))
    if ids is None:
        # Counted nowhere: forged keys must not use up the budget of the address a real visitor shares
        # (an office, a carrier's NAT), and refusing them saves nothing, since nothing is written.
        return web.Response(status=204)
    # request.remote is the client's address (sidebar_web/client_address.py), not the proxy's
    if not request.app[LIMITER].allow(f"ip:{request.remote}", f"visitor:{ids[1]}"):
        raise web.HTTPTooManyRequests(text="操作太频繁，请稍后再试")
    await request.app[BEACONS].record(ids[0], event, value, now=datetime.now(UTC))
    return web.Response(status=204)
