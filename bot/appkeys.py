"""Typed keys for what every part of the server keeps on its aiohttp application (declared once, read
everywhere). Keys of one package live with it: the inbox writer's in bot.inbox.writer, the scheduler's in
bot.scheduler."""

from __future__ import annotations

from aiohttp import ClientSession, web

from bot.settings import Settings
from bot.wecom.client import WeComClient
from bot.wecom.crypto import CallbackCrypto

SETTINGS = web.AppKey("settings", Settings)
HTTP = web.AppKey("http", ClientSession)
CRYPTO = web.AppKey("crypto", CallbackCrypto)
WECOM = web.AppKey("wecom", WeComClient)
