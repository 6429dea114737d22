"""The staff sidebar (聊天工具栏) under /sidebar/: mobile H5 in WeUI."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from bot.appkeys import SETTINGS
from bot.radar.alerts import VISIT_PAGE
from sidebar_web.sidebar import radars, views

SHIM = Path(__file__).resolve().parent / "jssdk-shim.js"


def setup_routes(app: web.Application) -> None:
    r = app.router
    r.add_get("/sidebar/", views.entry, name="sidebar")
    r.add_get("/sidebar/jssdk-config", views.jssdk_config, name="sidebar_jssdk_config")
    if app[SETTINGS].emulator.jssdk_shim:  # demo and tests only: nothing of the stand-in exists otherwise
        r.add_get("/sidebar/try", views.try_it, name="sidebar_try")
        r.add_get("/sidebar/jssdk-shim.js", _shim, name="sidebar_shim")
    r.add_get("/sidebar/customers/{external_userid}", views.customer, name="sidebar_customer")
    r.add_post("/sidebar/customers/{external_userid}/tags", views.toggle_tag, name="sidebar_tags")
    r.add_post("/sidebar/customers/{external_userid}/remark", views.save_remark, name="sidebar_remark")
    r.add_get("/sidebar/customers/{external_userid}/stage", views.stage, name="sidebar_stage")
    r.add_post("/sidebar/customers/{external_userid}/stage", views.save_stage)
    r.add_post(
        "/sidebar/customers/{external_userid}/follow-ups", views.log_follow_up, name="sidebar_follow_up"
    )
    r.add_get("/sidebar/groups/{chat_id}", views.group, name="sidebar_group")
    r.add_post("/sidebar/radars/{radar_id}/send", radars.send_radar, name="sidebar_send_radar")
    r.add_get(VISIT_PAGE, radars.radar_visit, name="sidebar_radar_visit")  # where radar alerts lead


async def _shim(request: web.Request) -> web.StreamResponse:
    return web.FileResponse(SHIM, headers={"Content-Type": "text/javascript; charset=utf-8"})
