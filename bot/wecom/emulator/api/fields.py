"""Declared request fields: every route names its parameters' types, limits and the errcode WeCom gives when
one is missing, and the gateway checks them all before the handler runs.

A handler reads parameters only through `Call.arg`, which knows only the declared fields, so no value of
an unchecked type ever reaches the corp's state. WeCom answers a value of the wrong type, size or range
with 40058 (不合法的参数) and changes nothing; a missing one with its own code (41009 userid missing...).
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..apierror import ApiError

U32 = 2**32 - 1  # WeCom's unsigned ints: orders, times, ids
_INTEGER = re.compile(r"-?[0-9]{1,20}")  # a query string carries numbers as text; some JSON bodies do too


@dataclass(frozen=True)
class Field(ABC):
    """One parameter. `required` is the errcode for a missing (absent, null or "") value; 0 = optional."""

    name: str
    required: int = 0

    @abstractmethod
    def parse(self, value: Any, where: str) -> Any:
        """The checked value, or ApiError(40058). `value` is never None here."""

    def absent(self, value: Any) -> bool:
        return value is None


def invalid(where: str, why: str) -> ApiError:
    return ApiError(40058, f"field `{where}` {why}")


@dataclass(frozen=True)
class Str(Field):
    chars: int = 0  # at most this many characters (40058)
    size: int = 0  # at most this many UTF-8 bytes (45002, content size out of limit)

    def parse(self, value: Any, where: str) -> str:
        if not isinstance(value, str):
            raise invalid(where, "must be a string")
        if self.chars and len(value) > self.chars:
            raise invalid(where, f"exceed max length {self.chars}")
        if self.size and len(value.encode("utf-8")) > self.size:
            raise ApiError(45002, f"field `{where}` exceed max size {self.size} bytes")
        return value


@dataclass(frozen=True)
class Int(Field):
    lo: int = 0
    hi: int = U32
    default: int | None = None

    def absent(self, value: Any) -> bool:
        return value is None or value == ""  # ?limit= in a query string

    def parse(self, value: Any, where: str) -> int:
        if isinstance(value, str) and _INTEGER.fullmatch(value):
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool):
            raise invalid(where, "must be an integer")
        if not self.lo <= value <= self.hi:
            raise invalid(where, f"out of range [{self.lo}, {self.hi}]")
        return value


@dataclass(frozen=True)
class Bool(Field):
    def parse(self, value: Any, where: str) -> bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        raise invalid(where, "must be a boolean")


@dataclass(frozen=True)
class Obj(Field):
    """A JSON object whose declared members are checked; members WeCom does not read pass through."""

    fields: tuple[Field, ...] = ()

    def parse(self, value: Any, where: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise invalid(where, "must be an object")
        return {**value, **parse_fields(self.fields, value, prefix=f"{where}.", keep_absent=False)}


@dataclass(frozen=True)
class List(Field):
    item: Field = Str("")
    max_items: int = 0  # 0: no limit of its own (the handler may apply one from the corp's limits)

    def parse(self, value: Any, where: str) -> list[Any]:
        if not isinstance(value, list):
            raise invalid(where, "must be a list")
        if self.max_items and len(value) > self.max_items:
            raise invalid(where, f"exceed max length {self.max_items}")
        items = []
        for i, element in enumerate(value):
            if element is None:
                raise invalid(f"{where}[{i}]", "is null")
            items.append(self.item.parse(element, f"{where}[{i}]"))
        return items


def parse_fields(
    fields: tuple[Field, ...],
    body: Mapping[str, Any],
    query: Mapping[str, str] | None = None,
    *,
    prefix: str = "",
    keep_absent: bool = True,
) -> dict[str, Any]:
    """Every declared field checked, in declaration order: the first bad one decides the errcode. A value
    in the JSON body wins over one in the query string. An empty string or list counts as missing for a
    required field and is kept as given for an optional one (remark "" clears the remark). Absent optional
    fields map to None (or their default) when `keep_absent`; inside an object they stay absent, so what
    WeCom stores and echoes keeps the caller's shape."""
    args: dict[str, Any] = {}
    for field in fields:
        where = prefix + field.name
        value = body[field.name] if field.name in body else (query or {}).get(field.name)
        if field.absent(value):
            if field.required:
                raise ApiError(field.required, f"field `{where}` is required")
            if keep_absent:
                args[field.name] = getattr(field, "default", None)
            continue
        parsed = field.parse(value, where)
        if field.required and (parsed == "" or parsed == []):
            raise ApiError(field.required, f"field `{where}` is required")
        args[field.name] = parsed
    return args
