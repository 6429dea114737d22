"""The customer-facing radar pages under /r/: content, OAuth of the visitor, tracking beacons."""

from __future__ import annotations

from aiohttp import web

from bot.appkeys import SETTINGS
from bot.services.radar_links import LinkSigner
from bot.services.radar_visits import BeaconLimiter
from sidebar_web.radar import views, wechat_share
from sidebar_web.radar.views import LIMITER, SIGNER


def setup_routes(app: web.Application) -> None:
    settings = app[SETTINGS]
    app[SIGNER] = LinkSigner.from_settings(settings)
    app[LIMITER] = BeaconLimiter(settings.radar.beacons_per_minute)
    r = app.router
    r.add_post("/r/beacon", views.beacon, name="radar_beacon")
    if settings.radar.wechat_app_id:  # the WeChat share card: without an official account none of it exists
        wechat_share.setup_routes(app)
    r.add_get("/r/{token}", views.radar_page, name="radar_page")
