"""Sending radars from the chat toolbar (seed 002): what a staff member may send, and the news card a tap
makes, with a signed link that names the radar, the sender and the customer."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.contacts.models import FollowRelation, GroupChat, GroupMembership
from bot.radar import radars
from bot.radar.files import media_url
from bot.radar.groups import groups_for_member
from bot.radar.links import LinkSigner, RadarLink
from bot.radar.models import Radar, RadarSend
from bot.settings import Settings
from bot.values import InvalidInput


class RadarSendError(InvalidInput):
    """A send the service refuses; nothing was recorded."""


def radar_url(public_url: str, token: str) -> str:
    """The customer-facing page of a signed radar link."""
    return f"{public_url.rstrip('/')}/r/{token}"


async def radars_for_member(userid: str) -> list[dict[str, Any]]:
    """The live radars a staff member may send, under the groups their departments see, in the console's
    order of groups and of radars; groups with no live radar are left out."""
    listed = await radars.by_group(await groups_for_member(userid))
    return [
        {
            "id": group.id,
            "name": group.name,
            "radars": [
                {
                    "id": r.id,
                    "name": r.name,
                    "type": r.type,
                    "type_name": radars.TYPES.get(r.type, r.type),
                    "title": r.title,
                    "description": r.description,
                }
                for r in members
            ],
        }
        for group, members in listed
        if members
    ]


async def send(
    settings: Settings,
    userid: str,
    radar_id: int,
    *,
    external_userid: str = "",
    chat_id: str = "",
    now: datetime | None = None,
) -> dict[str, str]:
    """Record one tap of 发送 (every tap counts, seed 002) into a single chat with a customer or a customer
    group, and return the news card for sendChatMessage: title, desc, imgUrl and the signed link."""
    now = now or datetime.now(UTC)
    radar = await Radar.get_or_none(id=radar_id)
    if radar is None or radar.deleted_at is not None:
        raise RadarSendError("radar_id", "这个雷达已被删除，请刷新后重试。")
    if radar.group_id not in {g.id for g in await groups_for_member(userid)}:
        raise RadarSendError("radar_id", "你所在的部门不能使用这个雷达，请刷新后重试。")
    if bool(external_userid) == bool(chat_id):
        raise RadarSendError("chat", "请在与客户的单聊或客户群的聊天工具栏中发送雷达。")
    if external_userid and not await FollowRelation.exists(
        customer_id=external_userid, userid=userid, status=FollowRelation.ACTIVE
    ):
        raise RadarSendError("external_userid", "你不是这位客户的跟进人，不能向他发送雷达。")
    if chat_id and not await _in_group(userid, chat_id):
        raise RadarSendError("chat_id", "你不在这个客户群中，不能向群里发送雷达。")
    await RadarSend.create(
        radar=radar, userid=userid, external_userid=external_userid, chat_id=chat_id, sent_at=now
    )
    # In a group chat the link names no recipient: whoever opens it is told apart by WeChat OAuth.
    link = RadarLink(radar.id, userid, recipient=external_userid, issued_at=int(now.timestamp()))
    token = LinkSigner.from_settings(settings).sign(link)
    return {
        "title": radar.title,
        "desc": radar.description,
        "imgUrl": media_url(settings.public_url, radar.cover),
        "link": radar_url(settings.public_url, token),
    }


async def _in_group(userid: str, chat_id: str) -> bool:
    """The staff member owns the (live) group or is in it now."""
    chat = await GroupChat.get_or_none(chat_id=chat_id, dismissed=False)
    if chat is None:
        return False
    return chat.owner == userid or await GroupMembership.exists(
        chat_id=chat_id, member_id=userid, type=1, left_at__isnull=True
    )
