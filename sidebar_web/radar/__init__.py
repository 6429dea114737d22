"""The customer-facing radar pages under /r/: content, OAuth of the visitor, tracking beacons."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from bot.appkeys import SETTINGS
from bot.radar import cache as radar_cache
from bot.radar import visits as radar_visits
from bot.radar.beacons import BeaconLimiter, BeaconWriter
from bot.radar.links import LinkSigner
from sidebar_web.radar import views, wechat_share
from sidebar_web.radar.pages import ContentPages
from sidebar_web.radar.views import BEACONS, LIMITER, PAGES, SIGNER, VISITS


def setup_routes(app: web.Application) -> None:
    settings = app[SETTINGS]
    app[SIGNER] = LinkSigner.from_settings(settings)
    app[LIMITER] = BeaconLimiter(settings.radar.beacons_per_minute)
    app.cleanup_ctx.append(writers_ctx)
    r = app.router
    app[PAGES] = ContentPages()
    r.add_post("/r/beacon", views.beacon, name="radar_beacon")
    if settings.radar.wechat_app_id:  # the WeChat share card: without an official account none of it exists
        wechat_share.setup_routes(app)
    r.add_get("/r/{token}", views.radar_page, name="radar_page")


async def writers_ctx(app: web.Application) -> AsyncIterator[None]:
    """The visit and beacon writers (group commit) run while the server does; stopping commits what they
    hold before the database closes (this context is entered after the database's, so it is left before)."""
    radar_cache.forget()  # a new server (a test's) may meet a database other than the last one's
    app[VISITS] = visits = radar_visits.visit_writer()
    app[BEACONS] = beacons = BeaconWriter(app[SETTINGS].radar.heartbeat_seconds)
    await visits.start()
    await beacons.start()
    yield
    await visits.stop()
    await beacons.stop()
