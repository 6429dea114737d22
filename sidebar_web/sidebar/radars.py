"""The sidebar's 智能雷达: a tap records the send and answers with the news card for the open chat; the page
of one visit a radar alert leads to."""

from __future__ import annotations

from aiohttp import web

from bot.appkeys import SETTINGS
from bot.contacts import scope
from bot.radar import sending as radar_sending
from bot.radar.visit_card import visit_card
from bot.values import spoken_duration
from sidebar_web.api.params import path_id
from sidebar_web.auth import check_csrf, page_viewer
from sidebar_web.sidebar.views import _page as page  # the sidebar pages' one renderer

CHANNELS = {"staff": "员工发送", "share": "客户分享"}


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


NO_VISIT = "找不到这次访问，或它不是发给你的雷达提醒。"


async def radar_visit(request: web.Request) -> web.Response:
    """One radar visit, for the member a radar alert about it went to; 404 for everyone else, as for a
    visit that does not exist."""
    viewer = await page_viewer(request)
    card = await visit_card(viewer.userid, path_id(request, "visit_id", NO_VISIT))
    if card is None:
        raise web.HTTPNotFound(text=NO_VISIT)
    external_userid = card["visitor"]["external_userid"]
    # The customer page follows the customer scope: link it only for whom it opens.
    customer_page = bool(external_userid) and await scope.can_see_customer(viewer, external_userid)
    return await page(
        request,
        "sidebar/radar_visit.html",
        v=card,
        customer_page=customer_page,
        duration=spoken_duration(card["duration"]),
        CHANNELS=CHANNELS,
    )
