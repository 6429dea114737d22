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
