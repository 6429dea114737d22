"""One radar's traffic, small enough to count by hand, for the analytics tests.

Staff s1 sent the PDF radar three times, s2 once. Yesterday: A (level 1) opened it, B (level 1) too, C
opened A's share, and B opened their own shared link. Today: A came back, a non-friend N opened A's share
and passed it to D, C opened A's share again, E opened s2's send, and F opened C's share.

    visit  when        who  level  parent  duration  progress
    v1     yesterday   A    1      -       100       60
    v2     yesterday   B    1      -       30        20
    v3     yesterday   C    2      v1      50        100
    v4     yesterday   B    2      v2      5         10      (B's own link: not a share)
    v5     today       A    1      -       20        40
    v6     today       N    2      v1      10        10      (not a friend: not counted)
    v7     today       D    3      v6      40        50
    v8     today       C    2      v1      10        30
    v9     today       E    1      - (s2)  0         0
    v10    today       F    3      v3      20        100
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.contacts.models import Customer, Member
from bot.radar.models import Radar, RadarGroup, RadarSend, RadarVisit, RadarVisitor

NAMES = {"A": "王小明", "B": "赵丽", "C": "钱多多", "D": "孙悟空", "E": "周芷若", "F": "吴用"}


async def make_radar(kind: str = Radar.PDF, name: str = "产品手册") -> Radar:
    now = datetime.now(UTC)
    group, _ = await RadarGroup.get_or_create(name="产品介绍", defaults={"created_at": now})
    return await Radar.create(
        group=group, name=name, type=kind, title=name, created_at=now, updated_at=now
    )  # fmt: skip


async def people(ids: dict[str, str] | None = None) -> dict[str, str]:
    """The six customers (created unless ids names mirrored ones) and staff s1, s2: key -> external_userid."""
    now = datetime.now(UTC)
    if ids is None:
        ids = {k: f"wm_{k}" for k in NAMES}
        for k, ext in ids.items():
            await Customer.create(external_userid=ext, name=NAMES[k], synced_at=now)
        for userid, name in (("s1", "张三"), ("s2", "赵六")):
            await Member.create(userid=userid, name=name, synced_at=now)
    return ids


async def build(radar: Radar, ids: dict[str, str], day_start: datetime) -> dict[str, RadarVisit]:
    """The traffic above; day_start is today's midnight in the corp's time zone (UTC)."""
    yesterday, today = day_start - timedelta(hours=15), day_start + timedelta(hours=8)
    for i, (userid, key) in enumerate((("s1", "A"), ("s1", "A"), ("s1", "B"), ("s2", "E"))):
        sent_at = yesterday - timedelta(hours=1, minutes=i)
        await RadarSend.create(radar=radar, userid=userid, external_userid=ids[key], sent_at=sent_at)
    visitors: dict[str, RadarVisitor] = {}
    visits: dict[str, RadarVisit] = {}
    plan = (
        ("v1", yesterday, "A", None, "s1", 100, 60),
        ("v2", yesterday, "B", None, "s1", 30, 20),
        ("v3", yesterday, "C", "v1", "s1", 50, 100),
        ("v4", yesterday, "B", "v2", "s1", 5, 10),
        ("v5", today, "A", None, "s1", 20, 40),
        ("v6", today, "N", "v1", "s1", 10, 10),
        ("v7", today, "D", "v6", "s1", 40, 50),
        ("v8", today, "C", "v1", "s1", 10, 30),
        ("v9", today, "E", None, "s2", 0, 0),
        ("v10", today, "F", "v3", "s1", 20, 100),
    )
    for n, (name, base, who, parent_name, userid, duration, progress) in enumerate(plan):
        at = base + timedelta(minutes=10 * n)
        ext = ids.get(who, "")
        if who not in visitors:
            visitors[who] = await RadarVisitor.create(
                openid=f"o_{radar.id}_{who}", external_userid=ext, first_seen=at, last_seen=at
            )
        parent = visits.get(parent_name) if parent_name else None
        visit = await RadarVisit.create(
            radar=radar, visitor=visitors[who], external_userid=ext, userid=userid, parent=parent,
            level=parent.level + 1 if parent else 1, channel="share" if parent else "staff",
            opened_at=at, duration=duration, progress=progress,
        )  # fmt: skip
        visit.path = [*(parent.path if parent else []), visit.id]
        await visit.save(update_fields=["path"])
        visits[name] = visit
    return visits
