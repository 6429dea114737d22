"""A radar's analytics as an Excel workbook: the overview sheet and the customer analysis with its filters."""

from __future__ import annotations

from contextlib import aclosing
from datetime import datetime
from typing import BinaryIO

from bot.radar.analytics import figures as radar_stats
from bot.radar.analytics.figures import FIGURES, CustomerFilter
from bot.radar.models import Radar
from bot.store.export import XlsxBook
from bot.values import local_time

CUSTOMER_COLUMNS = (
    "客户", "external_userid", "所属成员", "客户层级", "最近访问时间", "最近查看时长（秒）",
    "最久查看进度（%）", "最近点击渠道", "客户访问总次数", "分享客户数",
)  # fmt: skip
EXPORT_MAX = 100_000  # customers in one file
EXPORT_CHUNK = 5000  # customers read from the database at a time (a few MB)


def _dash(value):
    return "—" if value is None else value


async def write_workbook(
    radar: Radar, f: CustomerFilter, tz: str, out: BinaryIO, now: datetime | None = None
) -> None:
    """Writes the .xlsx to out: sheet 概览 (figures with their definitions, levels, funnel, staff) and sheet
    客户分析 (every customer matching the filters, newest visit first, at most EXPORT_MAX).

    Memory stays bounded at any size: customers come from the database a chunk at a time and the
    workbook spools its rows to a temporary file until the zip is written. Every cell goes through
    bot.store.export, so a customer's name is text even when it reads like a formula."""
    overview = await radar_stats.analytics(radar, tz, now)
    book = XlsxBook()
    sheet = book.sheet("概览")
    sheet.append(["雷达名称", radar.name])
    sheet.append([])
    sheet.append(["指标", "数值", "说明"])
    for key, (label, note) in FIGURES.items():
        sheet.append([label, _dash(overview.figures[key]), note])
    sheet.append([])
    sheet.append(["客户层级", "总人数", "有效分享人数", "分享率（%）"])
    for row in overview.levels:
        sheet.append([f"{row['level']}级客户", row["people"], row["sharers"], _dash(row["share_rate"])])
    sheet.append([])
    sheet.append(["转化漏斗", "人数/次数", "说明"])
    for step in overview.funnel:
        sheet.append([step["label"], step["value"], step["note"]])
    sheet.append([])
    sheet.append(["员工", "发送雷达次数", "分享客户数", "雷达被访问次数", "雷达被访问客户数"])
    for m in await radar_stats.staff(radar):
        sheet.append([m["name"], m["sends"], m["direct"], m["visits"], m["visitors"]])

    sheet = book.sheet("客户分析")
    sheet.append(list(CUSTOMER_COLUMNS))
    written = 0
    async with aclosing(radar_stats.each_customer(radar, f, EXPORT_CHUNK)) as rows:
        async for r in rows:
            if written == EXPORT_MAX:
                break
            written += 1
            sheet.append(
                [
                    r["name"], r["external_userid"], r["member_name"], f"{r['level']}级",
                    local_time(r["last_visit_at"], tz), _dash(r["last_duration"]), _dash(r["last_progress"]),
                    r["last_channel_name"], r["visits"], r["brought"],
                ]
            )  # fmt: skip
    await book.save(out)
