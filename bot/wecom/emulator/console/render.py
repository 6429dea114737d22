"""The console's jinja2 environment and the links it draws to our server's customer pages."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
from aiohttp import web

TEMPLATES = Path(__file__).resolve().parents[4] / "templates"
_SHANGHAI = timezone(timedelta(hours=8))

_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, auto_reload=False, enable_async=False
)
_env.filters["when"] = lambda ts: datetime.fromtimestamp(ts, _SHANGHAI).strftime("%Y-%m-%d %H:%M")


def render(template: str, status: int = 200, **context: Any) -> web.Response:
    html = _env.get_template(template).render(**context)
    return web.Response(text=html, status=status, content_type="text/html")


def mirror_url(pattern: str | None, external_userid: str) -> str:
    """The SCRM's page for a customer, from the pattern the emulator was given (None: no link)."""
    return pattern.replace("{external_userid}", quote(external_userid, safe="")) if pattern else ""
