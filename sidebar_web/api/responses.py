"""What every /api/v1 view shares: the caller (401 without a login or token) and JSON with ISO times."""

from __future__ import annotations

import json
from datetime import datetime
from functools import partial

from aiohttp import web

from bot.contacts.scope import Viewer
from sidebar_web.auth import current_viewer


def _default(value):
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


json_response = partial(web.json_response, dumps=partial(json.dumps, default=_default, ensure_ascii=False))


async def api_viewer(request: web.Request) -> Viewer:
    viewer = await current_viewer(request)
    if viewer is None:
        raise web.HTTPUnauthorized(
            text="login required: sign in at /auth/login or send Authorization: Bearer <api token>"
        )
    return viewer
