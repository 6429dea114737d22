"""Typed keys for what the server keeps on its aiohttp application (declared once, read everywhere)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import ClientSession, web

from bot.settings import Settings

if TYPE_CHECKING:
    pass

SETTINGS = web.AppKey("settings", Settings)
HTTP = web.AppKey("http", ClientSession)
CRYPTO = web.AppKey("crypto", "CallbackCrypto")
WECOM = web.AppKey("wecom", "WeComClient")
INBOX = web.AppKey("inbox", "InboxWriter")
WORKER = web.AppKey("worker", "InboxWorker | None")
