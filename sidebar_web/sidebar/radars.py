"""The sidebar's 智能雷达: a tap records the send and answers with the news card for the open chat."""

from __future__ import annotations

from aiohttp import web

from bot.appkeys import SETTINGS
from bot.radar import sending as radar_sending
from sidebar_web.api.params import path_id
from sidebar_web.auth import check_csrf, page_viewer


async def send_radar(request: web.Request) -> web.Response:
    """POST external_userid or chat_id (the open chat); JSON {"news": {...}} or {"error": "..."} (400)."""
    viewer = await page_viewer(request)
    await check_csrf(request)
    form = await request.post()
    radar_id = path_id(request, "radar_id", "这个雷达不存在，请刷新后重试。")
    try:
        news = await radar_sending.send(
            request.app[SETTINGS],
            viewer.userid,
            radar_id,
            external_userid=str(form.get("external_userid", "")).strip(),
            chat_id=str(form.get("chat_id", "")).strip(),
        )
    except radar_sending.RadarSendError as exc:
        return web.json_response({"error": exc.message, "field": exc.field}, status=400)
    return web.json_response({"news": news})
