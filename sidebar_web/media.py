"""Stored radar files for anyone with the link (customers open them): GET /media/radar/{name}, with Range.

Names are 32 random hex digits, so a file is found only through a radar that shows it. URLs for pages and
news cards come from bot/radar/files.py (media_path, media_url)."""

from __future__ import annotations

from aiohttp import web

from bot.appkeys import SETTINGS
from bot.radar import files as radar_files

# A stored name never changes content (a new upload gets a new name), so caches may keep it.
CACHE = "public, max-age=31536000, immutable"


def setup_routes(app: web.Application) -> None:
    app.router.add_get(radar_files.MEDIA_PATH + "{name}", radar_file, name="radar_media")


async def radar_file(request: web.Request) -> web.StreamResponse:
    name = request.match_info["name"]
    path = radar_files.resolve(request.app[SETTINGS].data_dir, name)
    if path is None:
        raise web.HTTPNotFound(text="文件不存在，或已被删除。")
    # FileResponse answers Range (206), If-Modified-Since / If-None-Match (304) and HEAD itself.
    return web.FileResponse(
        path,
        headers={
            "Content-Type": radar_files.content_type(name),
            "Cache-Control": CACHE,
            "X-Content-Type-Options": "nosniff",
        },
    )
