"""Radar visits: opening a radar page (level, source path, channel) and the beacons that follow it
(viewing time, reading progress, shares), clamped by the server so no client can inflate them."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from tortoise.expressions import F

from bot.models import Customer, Member, Radar, RadarVisit, RadarVisitor
from bot.services import radar_effects
from bot.services.radar_links import LinkSigner, RadarLink
from bot.wecom.client import WeComClient
from bot.wecom.errors import WeComError

log = logging.getLogger(__name__)

OPEN, HEARTBEAT, HIDDEN, CLOSE, PROGRESS, SHARE = "open", "heartbeat", "hidden", "close", "progress", "share"
EVENTS = frozenset({OPEN, HEARTBEAT, HIDDEN, CLOSE, PROGRESS, SHARE})
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


async def record_beacon(
    visit_id: int, event: str, value: int, *, now: datetime, heartbeat_seconds: int
) -> bool:
    """Apply one beacon; False when the visit does not exist. Viewing time grows by at most the wall time
    since the last beacon and at most one heartbeat, never beyond now - opened_at; progress only grows,
    within 0-100. A link radar has neither (the seed: only its click counts)."""
    visit = await RadarVisit.get_or_none(id=visit_id).select_related("radar")
    if visit is None:
        return False
    radar = visit.radar
    if event == SHARE:
        await RadarVisit.filter(id=visit.id).update(shares=F("shares") + 1)
        visit.shares += 1
        await radar_effects.shared(visit, radar, now)
        return True
    if radar.type == Radar.LINK:
        return True
    if event == PROGRESS:
        await _progress(visit, radar, max(0, min(100, value)), now)
    else:
        await _time(visit, event, now, heartbeat_seconds)
    return True


async def _progress(visit: RadarVisit, radar: Radar, value: int, now: datetime) -> None:
    before = visit.progress
    # conditional on the stored value, so two racing beacons can never move it back
    if value > before and await RadarVisit.filter(id=visit.id, progress__lt=value).update(progress=value):
        visit.progress = value
        await radar_effects.progressed(visit, radar, before, now)


async def _time(visit: RadarVisit, event: str, now: datetime, heartbeat_seconds: int) -> None:
    changes: dict = {"last_beacon_at": now}
    if event != OPEN:  # open (page shown again) starts a visible stretch, it does not end one
        since = visit.last_beacon_at or visit.opened_at
        gained = max(0, min(round((now - since).total_seconds()), heartbeat_seconds))
        ceiling = max(0, int((now - visit.opened_at).total_seconds()))
        changes["duration"] = max(visit.duration, min(visit.duration + gained, ceiling))
    if event == CLOSE:
        changes["closed_at"] = now
    # only if no other beacon moved the clock meanwhile: one of two racing beacons counts, never both
    same = (
        {"last_beacon_at": visit.last_beacon_at} if visit.last_beacon_at else {"last_beacon_at__isnull": True}
    )
    await RadarVisit.filter(id=visit.id, **same).update(**changes)


class BeaconLimiter:
    """At most `per_minute` beacons per key (a visitor, an IP address) in each clock minute. In-process:
    every server process counts on its own, so N processes let through up to N times the limit."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic):
        self.per_minute = per_minute
        self._clock = clock
        self._window = -1
        self._counts: dict[str, int] = {}

    def allow(self, *keys: str) -> bool:
        window = int(self._clock() // 60)
        if window != self._window:  # a new minute: forget the last one wholesale, so memory stays small
            self._window, self._counts = window, {}
        if any(self._counts.get(key, 0) >= self.per_minute for key in keys):
            return False
        for key in keys:
            self._counts[key] = self._counts.get(key, 0) + 1
        return True


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
