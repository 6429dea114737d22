"""The emulated REST API's route table, the request as handlers see it, and the checks they share."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from ..apierror import ApiError
from ..models import Follow, Member
from ..state import CorpState, is_external_id
from .fields import Field

T = TypeVar("T")


@dataclass
class Call:
    """One authenticated API request as a handler sees it; `arg` gives its route's declared fields."""

    path: str
    body: dict[str, Any]  # as received: message/send keeps it for tests to inspect
    args: dict[str, Any]  # every declared field, checked (None when absent)
    secret: str  # "agent" | "contact": whose access_token signed the call
    state: CorpState
    agent_id: int

    def arg(self, name: str) -> Any:
        try:
            return self.args[name]
        except KeyError:  # a handler reading a field its route never declared: a bug in the emulator
            raise LookupError(f"{self.path} does not declare the field {name!r}") from None


Handler = Callable[[Call], dict[str, Any]]


@dataclass(frozen=True)
class Route:
    method: str
    handler: Handler
    fields: tuple[Field, ...]


ROUTES: dict[str, Route] = {}


def route(path: str, *fields: Field, method: str = "POST") -> Callable[[Handler], Handler]:
    """Register a handler with its declared fields; the gateway checks them before the handler runs."""

    def register(handler: Handler) -> Handler:
        ROUTES[path] = Route(method, handler, fields)
        return handler

    return register


# -- checks against the corp's state ---------------------------------------------------------------


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
    except (ValueError, KeyError, TypeError, RecursionError):
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
