"""Typed keys for what the server keeps on its aiohttp application (declared once, read everywhere)."""

from __future__ import annotations

from aiohttp import ClientSession, web

from bot.inbox import InboxWriter
from bot.jobs import Scheduler
from bot.settings import Settings
from bot.wecom.client import WeComClient
from bot.wecom.crypto import CallbackCrypto

SETTINGS = web.AppKey("settings", Settings)
HTTP = web.AppKey("http", ClientSession)
CRYPTO = web.AppKey("crypto", CallbackCrypto)
WECOM = web.AppKey("wecom", WeComClient)
INBOX = web.AppKey("inbox", InboxWriter)
SCHEDULER = web.AppKey("scheduler", Scheduler)
