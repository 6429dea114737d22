"""Radar rows for the effects and alerts tests: a radar in a group, a visitor and their visits, written
with the ORM the way the radar page records them."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.radar.models import Radar, RadarGroup, RadarVisit, RadarVisitor


async def a_radar(title: str = "产品手册", **fields) -> Radar:
    now = datetime.now(UTC)
    group = await RadarGroup.get_or_none(name="产品介绍") or await RadarGroup.create(
        name="产品介绍", created_at=now
    )
    return await Radar.create(
        group=group, name=title, title=title, created_at=now, updated_at=now, **{"type": Radar.PDF, **fields}
    )


async def a_visit(
    radar: Radar,
    external_userid: str,
    userid: str,
    at: datetime,
    *,
    duration: int = 0,
    progress: int = 0,
    level: int = 1,
) -> RadarVisit:
    """A visit by the customer (an empty external_userid: someone who is not a customer)."""
    openid = f"openid-{external_userid or 'stranger'}"
    visitor = await RadarVisitor.get_or_none(openid=openid) or await RadarVisitor.create(
        openid=openid, external_userid=external_userid, first_seen=at, last_seen=at
    )
    return await RadarVisit.create(
        radar=radar, visitor=visitor, external_userid=external_userid, userid=userid, level=level,
        opened_at=at, duration=duration, progress=progress,
    )  # fmt: skip
