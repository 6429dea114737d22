"""The domain: what the SCRM does with WeCom's data. Services take plain values, never HTTP requests."""

from __future__ import annotations

from datetime import UTC, datetime


def from_epoch(epoch: int | None) -> datetime | None:
    """WeCom's unix seconds as an aware UTC datetime; 0 or missing means unknown."""
    return datetime.fromtimestamp(epoch, UTC) if epoch else None
