"""Request parameters, declared once: query parameters of /api/v1 and the console (parsed, a 400 names the
culprit, documented in OpenAPI), and the one parser of whole numbers every id, offset and form value uses."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Any

from aiohttp import web

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
    """400 whose JSON names the parameter: {"error": "...", "param": "tags"}."""

    def __init__(self, name: str, reason: str):
        super().__init__(text=f"{name}: {reason}")
        self.param = name


@dataclass(frozen=True)
class Param:
    name: str
    kind: str  # text | list | ints | date | choice | choices | bool | int
    description: str
    choices: tuple = ()
    default: Any = None
    minimum: int | None = None
    maximum: int | None = None
    max_length: int = 64

    def parse(self, raw: str) -> Any:
        raw = raw.strip()
        if self.kind == "text":
            if len(raw) > self.max_length:
                raise BadParam(self.name, f"at most {self.max_length} characters")
            return raw
        if self.kind in ("list", "ints", "choices"):
            items = tuple(dict.fromkeys(i.strip() for i in raw.split(",") if i.strip()))
            if len(items) > 100:
                raise BadParam(self.name, "at most 100 values")
            if any(len(i) > self.max_length for i in items):
                raise BadParam(self.name, f"each value at most {self.max_length} characters")
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
                raise BadParam(self.name, "must be true or false")
            return raw.lower() in ("true", "1")
        if self.kind == "int":
            return self._int(raw)
        if self.kind == "date":
            try:
                return date.fromisoformat(raw)
            except ValueError:
                raise BadParam(self.name, "must be a date like 2026-01-31") from None
        raise AssertionError(self.kind)

    def _int(self, raw: str) -> int:
        value = whole_number(raw)
        if value is None:
            raise BadParam(self.name, "must be a whole number of at most 19 digits")
        if self.choices and value not in self.choices:
            raise BadParam(self.name, f"must be one of {', '.join(map(str, self.choices))}")
        if self.minimum is not None and value < self.minimum:
            raise BadParam(self.name, f"must be at least {self.minimum}")
        if self.maximum is not None and value > self.maximum:
            raise BadParam(self.name, f"must be at most {self.maximum}")
        return value

    def _choose(self, raw: str) -> str:
        if raw not in self.choices:
            raise BadParam(self.name, f"must be one of {', '.join(self.choices)}")
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
        return {"name": self.name, "in": "query", "description": self.description, "schema": schema, **style}


def parse(query, params: tuple[Param, ...]) -> dict[str, Any]:
    """Every declared parameter (default when absent); an undeclared one is refused, since a typo in a
    filter name would otherwise silently return everything."""
    known = {p.name: p for p in params}
    for name in query:
        if name not in known:
            raise BadParam(name, "unknown parameter")
    values = {}
    for p in params:
        given = query.getall(p.name, [])
        if len(given) > 1 and p.kind not in ("list", "ints", "choices"):
            raise BadParam(p.name, "given more than once")
        raw = ",".join(given) if given else None  # a list may also come as repeated parameters
        values[p.name] = p.default if raw is None or raw.strip() == "" else p.parse(raw)
    return values


PAGING = (
    Param("limit", "int", "Rows per page", default=20, minimum=1, maximum=200),
    Param("offset", "int", "Rows to skip", default=0, minimum=0),
)
