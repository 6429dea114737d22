"""Request parameters, declared once: query parameters of /api/v1 and the console (parsed, documented in
OpenAPI, and refused in Chinese for people, with the field's label, and in English for integrators, both built
here so no view can word a refusal itself), and the one parser of whole numbers every id, offset and form
value uses."""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Any

from aiohttp import web

# Why a value is refused: (Chinese, shown beside the field; English, the API's `error`). Formatted with the
# parameter's own settings and what the refusal adds (other, values).
REASONS = {
    "too_long": ("最多 {max_length} 个字", "at most {max_length} characters"),
    "too_many": ("最多选 100 项", "at most 100 values"),
    "bool": ("只能是 true 或 false", "must be true or false"),
    "int": ("应为整数", "must be a whole number"),
    "choice": ("不是可选的值", "must be one of {choices}"),
    "minimum": ("不能小于 {minimum}", "must be at least {minimum}"),
    "maximum": ("不能大于 {maximum}", "must be at most {maximum}"),
    "date": ("日期格式不对，应如 2026-01-31", "must be a date like 2026-01-31"),
    "json": ("不是有效的 JSON", "must be JSON"),
    "repeated": ("只能填一个值", "given more than once"),
    "before": ("不能早于{other}", "must not be before {other_name}"),
    "missing": ("找不到 {values}", "no such {thing}: {values}"),
    "unknown": ("不是这里可用的参数", "unknown parameter"),
    "unreadable": ("含有无法保存的控制字符", "contains control characters"),
    "not_ours": ("必须是本站的页面", "must be a page of this server ({site})"),
}


# What PostgreSQL's bigint and SQLite's INTEGER hold; the drivers raise OverflowError beyond it.
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
# ASCII digits only: int() also reads '١٢', '1_000' and ' 7'; str.isdigit() passes '²', which int() refuses.
_WHOLE = re.compile(r"-?[0-9]{1,19}")


def whole_number(raw: str) -> int | None:
    """`raw` as a whole number the database can hold, or None."""
    if not _WHOLE.fullmatch(raw):
        return None
    value = int(raw)
    return value if INT64_MIN <= value <= INT64_MAX else None


def printable(text: str, lines: bool = False) -> bool:
    """Text without control characters or lone surrogates (with `lines`, tab and line breaks are allowed, as
    a textarea sends them): PostgreSQL refuses NUL in text, the drivers cannot encode a surrogate, and none of
    them belongs in a name, an id or a search."""
    allowed = "\t\r\n" if lines else ""
    return not any(unicodedata.category(c) in ("Cc", "Cs") and c not in allowed for c in text)


def wecom_id(raw: str) -> str:
    """A WeCom id from a form (a userid, an external_userid): empty unless it is printable and fits the
    64-character columns that keep such ids, so the service refuses it instead of the database."""
    raw = raw.strip()
    return raw if len(raw) <= 64 and printable(raw) else ""


def path_id(request: web.Request, key: str, missing: str) -> int:
    """The id in the path: a positive whole number, else 404 with `missing` as the reason."""
    value = whole_number(request.match_info[key])
    if value is None or value < 1:
        raise web.HTTPNotFound(text=missing)
    return value


class BadParam(web.HTTPBadRequest):
    """400 naming the parameter. `why` (Chinese) goes beside the field, `message` (label and reason) on
    an error page and in the JSON's `message`, `error` (English, after the name) in the JSON's `error`."""

    def __init__(self, name: str, label: str, reason: str, error: str):
        super().__init__(text=f"{label}：{reason}")
        self.param, self.label, self.why, self.error = name, label, reason, error
        self.message = self.text


def refused_field(name: str, why: str) -> BadParam:
    """A refusal of a field no spec labels (an undeclared parameter, any form field): the refusal quotes its
    name, shortened, since it is anyone's text."""
    shown = name if len(name) <= 30 else name[:30] + "…"
    return BadParam(name, f"参数“{shown}”", REASONS[why][0], f"{shown}: {REASONS[why][1]}")


def unknown_param(name: str) -> BadParam:
    return refused_field(name, "unknown")


def unreadable(name: str) -> BadParam:
    """A value with control characters or lone surrogates, which no column can keep."""
    return refused_field(name, "unreadable")


@dataclass(frozen=True)
class Param:
    name: str
    kind: str  # text | list | ints | date | choice | choices | bool | int | json
    description: str
    choices: tuple = ()
    default: Any = None
    minimum: int | None = None
    maximum: int | None = None
    max_length: int = 64
    label: str = ""  # what a person calls the field (添加时间): every refusal starts with it
    after: str = ""  # a date that must not be before the parameter of this name (a range's end)
    thing: str = "value"  # what an unknown value is, in the English error (tag, staff member)

    def __post_init__(self):
        # Without a label a refusal would have to show the bare English name to a person.
        if not self.label:
            raise TypeError(f"query parameter {self.name!r} needs a Chinese label")

    def refuse(self, why: str, **extra) -> BadParam:
        """The refusal for this parameter, worded from REASONS."""
        zh, en = REASONS[why]
        values = {
            **{k: getattr(self, k) for k in ("max_length", "minimum", "maximum", "thing")},
            "choices": ", ".join(map(str, self.choices)),
            **extra,
        }
        return BadParam(self.name, self.label, zh.format(**values), f"{self.name}: {en.format(**values)}")

    def missing(self, values) -> BadParam:
        """Values that name nothing that exists (a deleted tag, a departed member)."""
        listed = "、".join(values) if len(values) <= 5 else "、".join(values[:5]) + " 等"
        return self.refuse("missing", values=listed)

    def read(self, given: list[str]) -> Any:
        """The value of the query's occurrences of this parameter (default when absent or blank)."""
        if len(given) > 1 and self.kind not in ("list", "ints", "choices"):
            raise self.refuse("repeated")
        raw = ",".join(given) if given else None  # a list may also come as repeated parameters
        return self.default if raw is None or raw.strip() == "" else self.parse(raw)

    def parse(self, raw: str) -> Any:
        raw = raw.strip()
        if self.kind == "text":
            if len(raw) > self.max_length:
                raise self.refuse("too_long")
            return raw
        if self.kind in ("list", "ints", "choices"):
            items = tuple(dict.fromkeys(i.strip() for i in raw.split(",") if i.strip()))
            if len(items) > 100:
                raise self.refuse("too_many")
            if any(len(i) > self.max_length for i in items):
                raise self.refuse("too_long")
            if self.kind == "ints":
                return tuple(self._int(i) for i in items)
            if self.kind == "choices":
                for i in items:
                    self._choose(i)
            return items
        if self.kind == "choice":
            return self._choose(raw)
        if self.kind == "bool":
            if raw.lower() not in ("true", "false", "1", "0"):
                raise self.refuse("bool")
            return raw.lower() in ("true", "1")
        if self.kind == "int":
            return self._int(raw)
        if self.kind == "date":
            try:
                return date.fromisoformat(raw)
            except ValueError:
                raise self.refuse("date") from None
        if self.kind == "json":
            if len(raw) > self.max_length:
                raise self.refuse("too_long")
            try:
                return json.loads(raw)
            except (ValueError, RecursionError):  # RecursionError: nested too deep to decode
                raise self.refuse("json") from None
        raise AssertionError(self.kind)

    def _int(self, raw: str) -> int:
        value = whole_number(raw)
        if value is None:
            raise self.refuse("int")
        if self.choices and value not in self.choices:
            raise self.refuse("choice")
        if self.minimum is not None and value < self.minimum:
            raise self.refuse("minimum")
        if self.maximum is not None and value > self.maximum:
            raise self.refuse("maximum")
        return value

    def _choose(self, raw: str) -> str:
        if raw not in self.choices:
            raise self.refuse("choice")
        return raw

    def openapi(self) -> dict[str, Any]:
        if self.kind in ("list", "ints", "choices"):
            item: dict[str, Any] = {"type": "integer" if self.kind == "ints" else "string"}
            if self.choices:
                item["enum"] = list(self.choices)
            schema: dict[str, Any] = {"type": "array", "items": item}
            style = {"style": "form", "explode": False}
        else:
            kinds = {"bool": "boolean", "int": "integer"}
            schema, style = {"type": kinds.get(self.kind, "string")}, {}
            if self.kind == "date":
                schema["format"] = "date"
            if self.choices:
                schema["enum"] = list(self.choices)
            if self.minimum is not None:
                schema["minimum"] = self.minimum
            if self.maximum is not None:
                schema["maximum"] = self.maximum
            if self.default is not None:
                schema["default"] = self.default
        description = self.description + (f" (not before {self.after})" if self.after else "")
        return {"name": self.name, "in": "query", "description": description, "schema": schema, **style}


def parse(query, params: tuple[Param, ...], errors: dict[str, BadParam] | None = None) -> dict[str, Any]:
    """Every declared parameter (default when absent); an undeclared one is refused, since a typo in a
    filter name would otherwise silently return everything.

    Without `errors` the first refusal is raised. With it (a form that shows every reason beside its field)
    each refusal is recorded there under its parameter, and a refused value reads as its default."""

    def refused(exc: BadParam) -> None:
        if errors is None:
            raise exc
        errors.setdefault(exc.param, exc)

    known = {p.name: p for p in params}
    for name in query:
        if name not in known:
            refused(unknown_param(name))
    values = {}
    for p in params:
        try:
            values[p.name] = p.read(query.getall(p.name, []))
        except BadParam as exc:
            refused(exc)
            values[p.name] = p.default
    for p in params:
        start = known[p.after] if p.after else None
        if start and values[p.name] is not None and values[start.name] is not None:
            if values[p.name] < values[start.name]:
                refused(p.refuse("before", other=start.label, other_name=start.name))
    return values


PAGING = (
    Param("limit", "int", "Rows per page", default=20, minimum=1, maximum=200, label="每页条数"),
    Param("offset", "int", "Rows to skip", default=0, minimum=0, label="翻页位置"),
)
