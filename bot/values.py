"""The domain: what the SCRM does with WeCom's data. Services take plain values, never HTTP requests."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo


class InvalidInput(ValueError):
    """Input a person typed that a service refuses; the message is Chinese, for the page, and names the
    field (`field`) so a form can point at it. Nothing was changed."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def from_epoch(epoch: int | None) -> datetime | None:
    """WeCom's unix seconds as an aware UTC datetime; 0 or missing means unknown."""
    return datetime.fromtimestamp(epoch, UTC) if epoch else None


def local_time(value: datetime | None, tz: str = "Asia/Shanghai", fmt: str = "%Y-%m-%d %H:%M") -> str:
    """Times are stored in UTC and shown in the corp's zone."""
    return value.astimezone(ZoneInfo(tz)).strftime(fmt) if value else ""


def spoken_duration(seconds: int) -> str:
    """Viewing time as staff read it: 45 秒, 2 分 10 秒, 1 小时 5 分."""
    seconds = max(seconds, 0)
    if seconds < 60:
        return f"{seconds} 秒"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} 分 {seconds} 秒" if seconds else f"{minutes} 分"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} 小时 {minutes} 分" if minutes else f"{hours} 小时"
