"""The customer-facing radar pages under /r/: content, OAuth of the visitor, tracking beacons."""

from __future__ import annotations

from aiohttp import web

from bot.appkeys import SETTINGS
from bot.services.radar_links import LinkSigner
from bot.services.radar_visits import BeaconLimiter
from sidebar_web.radar import views
from sidebar_web.radar.views import LIMITER, SIGNER, STATIC, StaticUrls


def setup_routes(app: web.Application) -> None:
    settings = app[SETTINGS]
    app[SIGNER] = LinkSigner.from_settings(settings)
    app[LIMITER] = BeaconLimiter(settings.radar.beacons_per_minute)
    r = app.router
    app[STATIC] = StaticUrls(r)
    r.add_post("/r/beacon", views.beacon, name="radar_beacon")
    r.add_get("/r/{token}", views.radar_page, name="radar_page")
