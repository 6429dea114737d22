"""Radar visits: opening a radar page (level, source path, channel), and the key its beacons carry (the
beacons themselves: bot.services.radar_beacons)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from bot.models import Customer, Member, Radar, RadarVisit, RadarVisitor
from bot.services import radar_effects
from bot.services.radar_links import LinkSigner, RadarLink
from bot.wecom.client import WeComClient
from bot.wecom.errors import WeComError

log = logging.getLogger(__name__)

VISIT_KIND = "visit"

OK, GONE, FRIENDS_ONLY = "ok", "gone", "friends_only"


@dataclass
class Opened:
    """What opening a link came to: a recorded visit (ok), a deleted radar (gone), or a friends-only radar
    and a visitor who is no friend of the corp (nothing recorded)."""

    outcome: str
    radar: Radar | None = None
    visit: RadarVisit | None = None


async def open_visit(
    link: RadarLink, visitor: RadarVisitor, *, ip: str, user_agent: str, now: datetime
) -> Opened:
    radar = await Radar.get_or_none(id=link.radar_id)
    if radar is None or radar.deleted_at is not None:
        return Opened(GONE, radar)
    external_userid = visitor.external_userid
    if radar.friends_only and not (
        external_userid and await Customer.exists(external_userid=external_userid, lost=False)
    ):
        return Opened(FRIENDS_ONLY, radar)
    parent = await _parent(link, radar, visitor)
    visit = await RadarVisit.create(
        radar=radar,
        visitor=visitor,
        external_userid=external_userid,
        userid=link.userid,
        parent=parent,
        level=parent.level + 1 if parent else 1,
        channel="share" if parent else "staff",
        opened_at=now,
        ip=ip[:64],
        user_agent=user_agent[:256],
    )
    visit.path = [*(parent.path if parent else []), visit.id]
    await RadarVisit.filter(id=visit.id).update(path=visit.path)
    await radar_effects.opened(visit, radar, now)
    return Opened(OK, radar, visit)


async def _parent(link: RadarLink, radar: Radar, visitor: RadarVisitor) -> RadarVisit | None:
    """The visit whose visitor shared this link. Opening one's own shared link (a reload in WeChat, where
    the address bar holds it) is opening the link one got oneself, not a share to oneself."""
    if link.parent_visit is None:
        return None
    parent = await RadarVisit.get_or_none(id=link.parent_visit, radar_id=radar.id)
    while parent is not None and parent.visitor_id == visitor.id:
        parent = await RadarVisit.get_or_none(id=parent.parent_id) if parent.parent_id else None
    return parent


def visit_key(signer: LinkSigner, visit: RadarVisit) -> str:
    """What the page's beacons carry: the visit and its visitor, sealed so no other visit can be named."""
    return signer.seal(VISIT_KIND, f"{visit.id}-{visit.visitor_id}")


def read_visit_key(signer: LinkSigner, key: str) -> tuple[int, int] | None:
    """(visit id, visitor id) of a genuine key, else None."""
    value = signer.unseal(VISIT_KIND, key)
    visit_id, _, visitor_id = (value or "").partition("-")
    return (int(visit_id), int(visitor_id)) if visit_id.isdigit() and visitor_id.isdigit() else None


async def advisor(wecom: WeComClient, userid: str) -> dict[str, str]:
    """The staff member a non-friend should add: name, avatar and a 联系我 QR code (state "radar", so adds
    through it are known to come from a radar page), made through WeCom on first need and kept on the
    member; without it (WeCom refused) the page names the staff member only."""
    member = await Member.get_or_none(userid=userid)
    card = {
        "userid": userid,
        "name": member.name if member else "",
        "avatar": member.avatar if member else "",
        "qr_code": member.radar_qr_code if member else "",
    }
    if member is None or card["qr_code"]:
        return card
    try:
        way = await wecom.add_contact_way(1, 2, user=[userid], state="radar", remark="雷达页面添加好友")
    except WeComError as exc:
        log.warning("no contact QR code for %s: %s", userid, exc)
        return card
    card["qr_code"] = str(way.get("qr_code", ""))
    await Member.filter(userid=userid).update(radar_qr_code=card["qr_code"])
    return card
