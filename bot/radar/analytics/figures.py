"""Radar analytics (数据分析, seed 002 §5): every figure as the seed defines it, counted by the database.

Only customers count: a visit by someone who is not a friend of the corp (no external_userid) is left out,
because the seed says a non-friend's data cannot be counted. Link radars redirect at once, so they have no
viewing time or progress: those figures are None ("—" on the page).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.contacts.reads import day_bounds
from bot.radar.analytics import queries as sql
from bot.radar.analytics.queries import CustomerFilter, when
from bot.radar.models import Radar
from bot.values import spoken_duration

__all__ = [
    "CustomerFilter",
    "Overview",
    "analytics",
    "customers",
    "each_customer",
    "staff",
    "radar_to_analyse",
]

# Label and definition of each figure: the page shows the definition next to the number, the export too.
FIGURES = {
    "visitors": ("总访问客户数", "访问过雷达的客户数，一个客户访问多次计为 1"),
    "today_visitors": ("今日访问客户数", "今日零点起访问雷达的客户数，一个客户访问多次计为 1"),
    "visits": ("总访问次数", "雷达累计被客户打开的次数，一个客户访问多次计为多次"),
    "today_visits": ("今日访问次数", "今日零点起雷达被客户打开的次数"),
    "shared": ("分享客户数", "经其他客户分享的链接访问雷达的客户数，多次被邀请只计 1 次"),
    "today_shared": ("今日分享客户数", "今日第一次经其他客户分享访问雷达的客户数"),
    "avg_time": ("平均查看时长", "每位访问客户累计停留时长的平均值（按客户平均，非按次）；链接类型不统计"),
    "avg_progress": ("平均查看进度", "每位访问客户最远查看进度的平均值（按客户平均）；链接类型不统计"),
    "share_rate": ("分享率", "分享客户数 ÷ 总访问客户数 × 100%"),
}
NOT_COUNTED = "非企业好友的访问不计入统计（无法统计非好友客户的数据）。"
LEVEL_NOTE = (
    "客户层级取该客户在本雷达的最低层级：员工直接发送的为 1 级，由 n 级客户分享而来的为 n+1 级。"
    "分享率 = 该层级中分享的链接带来至少一位客户访问的人数 ÷ 该层级总人数 × 100%。"
)
FUNNEL = (
    ("sends", "发送次数", "员工在聊天工具栏点击发送的次数，每次点击都计数"),
    ("visitors", "打开客户数", "打开过雷达的客户数"),
    ("read_half", "阅读 ≥ 50%", "最远查看进度达到 50% 的客户数"),
    ("finished", "读完", "最远查看进度达到 100% 的客户数"),
    ("sharers", "分享", "分享的链接带来至少一位客户访问的客户数"),
)
CHANNELS = {"staff": "员工发送", "share": "客户分享"}


async def radar_to_analyse(radar_id: int) -> Radar | None:
    """The radar, deleted ones too: their visits stay worth reading."""
    return await Radar.get_or_none(id=radar_id)


def has_reading(radar: Radar) -> bool:
    """Whether the radar measures time and progress (a link radar redirects at once)."""
    return radar.type != Radar.LINK


def percent(part: int, whole: int) -> float | None:
    return round(part * 100 / whole, 1) if whole else None


def today_bounds(tz: str, now: datetime | None = None) -> tuple[datetime, datetime]:
    now = now or datetime.now(UTC)
    return day_bounds(now.astimezone(ZoneInfo(tz)).date(), tz)


@dataclass(frozen=True)
class Overview:
    figures: dict  # key of FIGURES -> number, or None where it does not apply
    levels: list[dict]
    by_visits: list[dict]
    by_time: list[dict]
    funnel: list[dict]


async def analytics(radar: Radar, tz: str, now: datetime | None = None) -> Overview:
    """The overview: figures, the level table, both leaderboards and the funnel."""
    start, end = today_bounds(tz, now)
    t, per_level = await sql.totals(radar.id, start, end)
    reading = has_reading(radar)
    visitors = t["visitors"]
    figures = {
        "visitors": visitors,
        "today_visitors": t["today_visitors"],
        "visits": t["visits"],
        "today_visits": t["today_visits"],
        "shared": t["shared"],
        "today_shared": t["today_shared"],
        "avg_time": round(t["time_sum"] / visitors) if reading and visitors else None,
        "avg_progress": round(t["progress_sum"] / visitors, 1) if reading and visitors else None,
        "share_rate": percent(t["shared"], visitors),
    }
    levels = [{**row, "share_rate": percent(row["sharers"], row["people"])} for row in per_level]
    funnel = [
        {"key": key, "label": label, "note": note, "value": t[key]}
        for key, label, note in FUNNEL
        if reading or key not in ("read_half", "finished")
    ]
    by_visits, by_time = await sql.leaders(radar.id)
    return Overview(
        figures=figures,
        levels=levels,
        by_visits=[_leader(r) for r in by_visits],
        by_time=[_leader(r) for r in by_time] if reading else [],
        funnel=funnel,
    )


def _leader(row: dict) -> dict:
    return {
        "external_userid": row["external_userid"],
        "name": row["name"] or row["external_userid"],
        "avatar": row["avatar"] or "",
        "visits": int(row["visits"]),
        "time": int(row["time"] or 0),
    }


async def customers(
    radar: Radar, f: CustomerFilter, *, limit: int | None, offset: int = 0
) -> tuple[int, list[dict]]:
    """客户分析: the customers who visited, newest visit first, with the seed's columns."""
    total, rows = await sql.customers(radar.id, f, limit, offset)
    reading = has_reading(radar)
    return total, [_customer(r, reading) for r in rows]


async def each_customer(radar: Radar, f: CustomerFilter, chunk: int = 2000) -> AsyncIterator[dict]:
    """Every customer matching the filter, in the table's order, read from the database `chunk` rows at a
    time (each chunk starts after the last row of the one before), so an export holds one chunk at most."""
    reading, after = has_reading(radar), None
    while True:
        _, rows = await sql.customers(radar.id, f, chunk, after=after)
        for r in rows:
            yield _customer(r, reading)
        if len(rows) < chunk:
            return
        after = (rows[-1]["last_at"], rows[-1]["external_userid"])


def _customer(r: dict, reading: bool) -> dict:
    return {
        "external_userid": r["external_userid"],
        "name": r["name"] or r["external_userid"],
        "avatar": r["avatar"] or "",
        "userid": r["userid"],
        "member_name": r["member_name"] or r["userid"],
        "level": int(r["level"]),
        "last_visit_at": when(r["last_at"]),
        # 最近查看时长 and 最久查看进度: the latest visit's, as the seed describes both columns
        "last_duration": int(r["duration"]) if reading else None,
        "last_progress": int(r["progress"]) if reading else None,
        "last_channel": r["channel"],
        "last_channel_name": CHANNELS.get(r["channel"], r["channel"]),
        "visits": int(r["visits"]),
        "brought": int(r["brought"]),
    }


async def staff(radar: Radar) -> list[dict]:
    """员工分析: each member who sent the radar, with the seed's four figures."""
    return [
        {
            "userid": r["userid"],
            "name": r["name"] or r["userid"],
            "avatar": r["avatar"] or "",
            "sends": int(r["sends"]),
            "direct": int(r["direct"]),
            "visits": int(r["visits"]),
            "visitors": int(r["visitors"]),
        }
        for r in await sql.staff(radar.id)
    ]


def spoken_seconds(seconds: int | None) -> str:
    """Viewing time as people say it (2 分 10 秒); None (a link radar has none) as —."""
    return "—" if seconds is None else spoken_duration(int(seconds))
