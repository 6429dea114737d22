"""Reading one condition's fields from hostile JSON: each reader returns a typed value or raises `Refused`
with a Chinese reason, which the tree parser prefixes with the node's path and its kind's label."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

MAX_VALUES = 100  # values one condition may list (tags, staff, groups …)
MAX_TEXT = 64


class Refused(ValueError):
    """A field's value the condition cannot use; `values` lists what it named that does not exist."""

    def __init__(self, reason: str, values: tuple[str, ...] = ()):
        super().__init__(reason)
        self.reason, self.values = reason, values


@dataclass(frozen=True)
class Span:
    """Instants [start, end): either end may be open. Dates are whole days in the corp's time zone."""

    start: datetime | None = None
    end: datetime | None = None

    def holds(self, moment: datetime | None) -> bool:
        if moment is None:
            return False
        return (self.start is None or moment >= self.start) and (self.end is None or moment < self.end)


class Fields:
    """One condition node's fields. Every reader marks its field read; `finish` refuses the fields nobody
    read, so a misspelt field is an error rather than a filter silently ignored."""

    def __init__(self, raw: dict[str, Any], tz: str):
        self.raw, self.tz, self.read = raw, tz, {"kind", "not"}

    def _get(self, name: str) -> Any:
        self.read.add(name)
        return self.raw.get(name)

    def finish(self) -> None:
        extra = sorted(str(k) for k in self.raw if k not in self.read)
        if extra:
            raise Refused(f"不认识的字段 {'、'.join(extra)[:60]}")

    def choice(self, name: str, choices: dict[str, str], default: str | None = None) -> str:
        """One of `choices` (value → Chinese name, listed in the refusal)."""
        value = self._get(name)
        if value is None and default is not None:
            return default
        if not isinstance(value, str) or value not in choices:
            listed = "、".join(f"{k}（{v}）" for k, v in choices.items())
            raise Refused(f"{name} 只能是 {listed}")
        return value

    def flag(self, name: str) -> bool:
        value = self._get(name)
        if value is None:
            return False
        if not isinstance(value, bool):
            raise Refused(f"{name} 只能是 true 或 false")
        return value

    def text(self, name: str, *, required: bool = True) -> str:
        value = self._get(name)
        if value is None and not required:
            return ""
        if not isinstance(value, str) or (required and not value.strip()):
            raise Refused(f"{name} 应为非空文字")
        if len(value) > MAX_TEXT:
            raise Refused(f"{name} 最多 {MAX_TEXT} 个字")
        return value.strip()

    def strings(self, name: str, *, allow_blank: bool = False) -> tuple[str, ...]:
        """A non-empty list of distinct short strings, in the order given."""
        items = self._list(name)
        if not all(isinstance(i, str) and (allow_blank or i.strip()) and len(i) <= MAX_TEXT for i in items):
            raise Refused(f"{name} 的每一项应为不超过 {MAX_TEXT} 个字的文字")
        return tuple(dict.fromkeys(i.strip() for i in items))

    def ints(self, name: str, choices: dict[int, str] | None = None) -> tuple[int, ...]:
        items = self._list(name)
        if not all(isinstance(i, int) and not isinstance(i, bool) and abs(i) < 2**53 for i in items):
            raise Refused(f"{name} 的每一项应为整数")
        if choices is not None and any(i not in choices for i in items):
            listed = "、".join(f"{k}（{v}）" for k, v in choices.items())
            raise Refused(f"{name} 只能取 {listed}")
        return tuple(dict.fromkeys(items))

    def positive_int(self, name: str) -> int | None:
        value = self._get(name)
        if value is None:
            return None
        if not isinstance(value, int) or isinstance(value, bool) or not 0 < value < 2**53:
            raise Refused(f"{name} 应为正整数")
        return value

    def span(self, start: str = "from", end: str = "to") -> Span:
        """A time range: "2026-01-31" is that whole day in the corp's time zone (both ends inclusive);
        an ISO time with an offset ("2026-01-31T08:00:00+08:00") is that instant (the end exclusive)."""
        lo = self._moment(start, end_of_day=False)
        hi = self._moment(end, end_of_day=True)
        if lo is not None and hi is not None and hi < lo:
            raise Refused(f"{end} 不能早于 {start}")
        return Span(lo, hi)

    def _moment(self, name: str, *, end_of_day: bool) -> datetime | None:
        value = self._get(name)
        if value is None or value == "":
            return None
        if isinstance(value, str) and len(value) == 10:
            try:
                day = date.fromisoformat(value)
            except ValueError:
                raise Refused(f"{name} 日期格式不对，应如 2026-01-31") from None
            start = datetime.combine(day + timedelta(days=end_of_day), time.min, ZoneInfo(self.tz))
            return start.astimezone(UTC)
        try:
            moment = datetime.fromisoformat(value) if isinstance(value, str) and len(value) <= 40 else None
        except ValueError:
            moment = None
        if moment is None or moment.tzinfo is None:
            raise Refused(f"{name} 应为日期（2026-01-31）或带时区的时间（2026-01-31T08:00:00+08:00）")
        return moment.astimezone(UTC)

    def _list(self, name: str) -> list:
        value = self._get(name)
        if not isinstance(value, list) or not value:
            raise Refused(f"{name} 应为非空列表")
        if len(value) > MAX_VALUES:
            raise Refused(f"{name} 最多 {MAX_VALUES} 项")
        return value
