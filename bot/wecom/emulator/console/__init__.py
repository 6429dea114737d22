"""The emulator's own faces under /_emulator/: the console page and its forms, the OAuth stand-in, and the
JSON routes that inspect and drive the emulator."""

from __future__ import annotations

from aiohttp import web

from .control import setup_control_routes
from .oauth import setup_oauth_routes
from .page import setup_page_routes

__all__ = ["setup_console_routes"]


def setup_console_routes(app: web.Application) -> None:
    setup_control_routes(app)
    setup_oauth_routes(app)
    setup_page_routes(app)
