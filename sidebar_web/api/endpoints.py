"""Every /api/v1 endpoint in one table (path, view, parameters, summary): the routes and the OpenAPI document
are both built from it."""

from __future__ import annotations

from sidebar_web.api.radar_views import RADAR_ENDPOINTS
from sidebar_web.api.views import CORE_ENDPOINTS

ENDPOINTS = (*CORE_ENDPOINTS, *RADAR_ENDPOINTS)
