"""The bot's HTTP ears: /wecom/callback (verify, decrypt, persist, 200) and /healthz."""

from __future__ import annotations

import logging

from aiohttp import web

from bot.appkeys import CRYPTO, SETTINGS
from bot.inbox import writer as inbox
from bot.inbox.writer import INBOX
from bot.store import db
from bot.wecom.crypto import CallbackRejected
from bot.wecom.events import MalformedEvent, parse_event

log = logging.getLogger(__name__)


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/wecom/callback", callback_verify, name="wecom_callback")
    app.router.add_post("/wecom/callback", callback_receive)
    app.router.add_get("/healthz", healthz, name="healthz")


def _refuse(request: web.Request, status: int, reason: str) -> web.Response:
    # The reason names what was wrong, never what was sent: bodies and signatures stay out of logs.
    log.warning("callback refused (%d) from %s: %s", status, request.remote, reason)
    return web.Response(status=status, text=reason)


def _status_for(exc: CallbackRejected) -> int:
    return 403 if exc.forged else 400


async def callback_verify(request: web.Request) -> web.Response:
    """WeCom's URL check when an admin saves the callback: answer the bare decrypted echostr."""
    q = request.query
    try:
        echo = request.app[CRYPTO].verify_url(
            q.get("msg_signature", ""), q.get("timestamp", ""), q.get("nonce", ""), q.get("echostr", "")
        )
    except CallbackRejected as exc:
        return _refuse(request, _status_for(exc), exc.reason)
    log.info("callback URL verified by WeCom")
    return web.Response(body=echo.encode("utf-8"), content_type="text/plain")


async def _read_limited(request: web.Request, limit: int) -> bytes | None:
    if request.content_length is not None:
        return await request.read() if request.content_length <= limit else None
    body = bytearray()  # chunked: count as it arrives
    async for chunk in request.content.iter_chunked(65536):
        body += chunk
        if len(body) > limit:
            return None
    return bytes(body)


async def callback_receive(request: web.Request) -> web.Response:
    """Verify, decrypt, store, acknowledge. WeCom gives 5 s and retries slow answers, so nothing else
    runs here; the inbox worker handles the event afterwards."""
    limit = request.app[SETTINGS].server.max_callback_bytes
    body = await _read_limited(request, limit)
    if body is None:
        response = _refuse(request, 413, f"body larger than {limit} bytes")
        response.force_close()  # do not read the rest of an oversized body to keep the connection
        return response
    q = request.query
    try:
        plaintext = request.app[CRYPTO].decrypt_body(
            body, q.get("msg_signature", ""), q.get("timestamp", ""), q.get("nonce", "")
        )
        event = parse_event(plaintext)
    except CallbackRejected as exc:
        return _refuse(request, _status_for(exc), exc.reason)
    except MalformedEvent as exc:
        return _refuse(request, 400, f"decrypted message is {exc}")
    try:
        await request.app[INBOX].store(event, plaintext)
    except Exception:
        # Not stored means not acknowledged: WeCom retries, and nothing is lost.
        log.exception("callback could not be stored; answering 503 so WeCom retries")
        return web.Response(status=503, text="temporarily unable to store the event")
    return web.Response(status=200)


async def healthz(request: web.Request) -> web.Response:
    if not await db.ping():
        return web.json_response({"status": "error", "database": "unreachable"}, status=503)
    try:
        counts = await inbox.counts()
    except Exception as exc:
        log.warning("health check could not count the inbox: %s", type(exc).__name__)
        return web.json_response({"status": "error", "database": "unreachable"}, status=503)
    return web.json_response({"status": "ok", "database": "ok", "inbox": counts.as_dict()})
