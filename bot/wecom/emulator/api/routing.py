"""The emulated REST API's route table, the request as handlers see it, and the checks they share."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from ..apierror import ApiError
from ..models import Follow, Member
from ..state import CorpState, is_external_id

T = TypeVar("T")


@dataclass
class Call:
    """One authenticated API request as a handler sees it."""

    path: str
    query: Mapping[str, str]
    body: dict[str, Any]
    secret: str  # "agent" | "contact": whose access_token signed the call
    state: CorpState
    agent_id: int

    def arg(self, name: str, default: Any = None) -> Any:
        """A parameter from the JSON body (POST) or the query string (GET)."""
        if name in self.body:
            return self.body[name]
        return self.query.get(name, default)


Handler = Callable[[Call], dict[str, Any]]
ROUTES: dict[str, tuple[str, Handler]] = {}


def route(path: str, method: str = "POST") -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        ROUTES[path] = (method, handler)
        return handler

    return register


# -- validation ----------------------------------------------------------------------------------


def require_str(call: Call, name: str) -> str:
    value = call.arg(name)
    if not isinstance(value, str) or not value:
        raise ApiError(40058, f"field `{name}` is required")
    return value


def require_member(state: CorpState, userid: Any, *, contact: bool = True) -> Member:
    """A member inside the app's visible range (60011), with 客户联系 enabled when `contact` (84074)."""
    member = state.members.get(userid) if isinstance(userid, str) else None
    if member is None or not member.active:
        raise ApiError(60011, f"userid {userid!r} is not in the app's visible range")
    if contact and not member.external_contact:
        raise ApiError(84074, f"userid {userid!r} has no customer-contact permission")
    return member


def require_external_id(value: Any) -> str:
    if not isinstance(value, str) or not is_external_id(value):
        raise ApiError(40096, "external_userid")
    return value


def require_follow(state: CorpState, userid: str, external_userid: str) -> Follow:
    follow = state.follows.get((userid, external_userid))
    if follow is None:
        raise ApiError(84061, f"{userid} does not follow {external_userid}")
    return follow


def check_chars(value: Any, limit: int, name: str) -> None:
    if value is not None and (not isinstance(value, str) or len(value) > limit):
        raise ApiError(40058, f"field `{name}` exceed max length {limit}")


def check_bytes(value: Any, limit: int, name: str, errcode: int = 45002) -> None:
    if value is not None and (not isinstance(value, str) or len(value.encode("utf-8")) > limit):
        raise ApiError(errcode, f"field `{name}` exceed max size {limit} bytes")


def check_count(values: Any, limit: int, name: str) -> list[Any]:
    if values is None:
        return []
    if not isinstance(values, list):
        raise ApiError(40058, f"field `{name}` must be a list")
    if len(values) > limit:
        raise ApiError(40058, f"field `{name}` exceed max length {limit}")
    return values


def int_arg(call: Call, name: str, default: int, lo: int, hi: int) -> int:
    value = call.arg(name)
    if value in (None, ""):
        return default
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ApiError(40058, f"field `{name}` is not an integer") from None
    if not lo <= number <= hi:
        raise ApiError(40058, f"field `{name}` out of range [{lo}, {hi}]")
    return number


# -- cursors -------------------------------------------------------------------------------------


def encode_cursor(offset: int, scope: str) -> str:
    raw = json.dumps({"o": offset, "s": scope}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: Any, scope: str) -> int:
    """Offset inside an opaque cursor; a cursor from another query is rejected like WeCom does (40058)."""
    if not cursor:
        return 0
    try:
        raw = base64.urlsafe_b64decode(str(cursor) + "=" * (-len(str(cursor)) % 4))
        data = json.loads(raw)
        offset = int(data["o"])
    except (ValueError, KeyError, TypeError):
        raise ApiError(40058, "invalid cursor") from None
    if data.get("s") != scope or offset < 0:
        raise ApiError(40058, "invalid cursor")
    return offset


def paginate(items: Sequence[T], cursor: Any, limit: int, scope: str) -> tuple[Sequence[T], str]:
    """One page and the next cursor ("" on the last page)."""
    start = decode_cursor(cursor, scope)
    page = items[start : start + limit]
    end = start + len(page)
    return page, encode_cursor(end, scope) if end < len(items) else ""
