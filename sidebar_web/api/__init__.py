"""The JSON read API under /api/v1, with its OpenAPI document."""

from __future__ import annotations

from aiohttp import web

from sidebar_web.api import openapi
from sidebar_web.api.endpoints import ENDPOINTS

PREFIX = "/api/v1"


def setup_routes(app: web.Application) -> None:
    for path, view, _params, _summary in ENDPOINTS:
        app.router.add_get(PREFIX + path, view, name="api_" + view.__name__)
    app.router.add_get(PREFIX + "/openapi.json", openapi.document, name="api_openapi")
