"""The customer-facing radar pages under /r/: content, OAuth of the visitor, tracking beacons."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from bot.appkeys import SETTINGS
from bot.services import radar_cache
from bot.services.radar_beacons import BeaconLimiter, BeaconWriter
from bot.services.radar_links import LinkSigner
from sidebar_web.radar import views
from sidebar_web.radar.views import BEACONS, LIMITER, SIGNER, STATIC, StaticUrls


def setup_routes(app: web.Application) -> None:
    settings = app[SETTINGS]
    app[SIGNER] = LinkSigner.from_settings(settings)
    app[LIMITER] = BeaconLimiter(settings.radar.beacons_per_minute)
    app.cleanup_ctx.append(writers_ctx)
    r = app.router
    app[STATIC] = StaticUrls(r)
    r.add_post("/r/beacon", views.beacon, name="radar_beacon")
    r.add_get("/r/{token}", views.radar_page, name="radar_page")


async def writers_ctx(app: web.Application) -> AsyncIterator[None]:
    """The beacon writer runs while the server does; stopping commits what it holds before the database
    closes (this context is entered after the database's, so it is left before it)."""
    radar_cache.forget()  # a new server (a test's) may meet a database other than the last one's
    writer = BeaconWriter(app[SETTINGS].radar.heartbeat_seconds)
    app[BEACONS] = writer
    await writer.start()
    yield
    await writer.stop()
