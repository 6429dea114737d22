"""The WeChat share card of a radar page: wx.config signed for the page's address, and the card's title,
description and cover (the link on the card is the visitor's own, which the page already holds)."""

from __future__ import annotations

from typing import Any

from aiohttp import ClientSession

from bot.radar.files import media_url
from bot.radar.links import BadLink, LinkSigner
from bot.radar.models import Radar
from bot.settings import Settings
from bot.store.tokens import DbTokenStore
from bot.values import InvalidInput
from bot.wecom.wechat import WeChatJsApi


class ShareRefused(InvalidInput):
    """A page address we will not sign: missing, on another host, or not a valid radar link."""


def js_api(http: ClientSession, settings: Settings) -> WeChatJsApi:
    """The official account's JS-SDK credentials, kept in the database so every process shares them."""
    r = settings.radar
    return WeChatJsApi(
        http,
        base_url=r.wechat_api_base_url,
        app_id=r.wechat_app_id,
        app_secret=r.wechat_app_secret,
        token_store=DbTokenStore(),
    )


async def share_config(
    wechat: WeChatJsApi, signer: LinkSigner, public_url: str, page_url: str
) -> dict[str, Any] | None:
    """wx.config for `page_url` plus {"share": {title, desc, imgUrl}}; None when the radar was deleted.
    Raises ShareRefused for an address that is not a radar page of this server."""
    prefix = public_url.rstrip("/") + "/r/"
    if not page_url:
        raise ShareRefused("url", "缺少 url：要签名的页面地址。")
    if not page_url.startswith(prefix):
        raise ShareRefused("url", f"只能为本站的雷达页面签名（{prefix}…）。")
    page = page_url.split("#", 1)[0]  # WeChat signs the address without its fragment
    try:
        link = signer.verify(page[len(prefix) :].split("?", 1)[0])
    except BadLink:
        raise ShareRefused("url", "这不是有效的雷达链接。") from None
    radar = await Radar.get_or_none(id=link.radar_id, deleted_at__isnull=True)
    if radar is None:
        return None
    config = await wechat.config_for(page)
    card = {"title": radar.title, "desc": radar.description, "imgUrl": media_url(public_url, radar.cover)}
    return {**config, "share": card}
