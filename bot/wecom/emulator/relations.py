"""Follow relations keyed (userid, external_userid), indexed both ways: a 100 000-customer corp stays fast."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .models import Follow

Key = tuple[str, str]
_MISSING: Any = object()


class Relations(dict[Key, Follow]):
    """A dict of relations that also knows each member's and each customer's relations.

    externalcontact/get and batch/get_by_user look relations up per customer and per member; scanning
    every relation for each call made a sync of a seeded corp quadratic."""

    def __init__(self) -> None:
        super().__init__()
        self._by_member: dict[str, dict[str, Follow]] = {}
        self._by_customer: dict[str, dict[str, Follow]] = {}

    def of_member(self, userid: str) -> Iterable[Follow]:
        return self._by_member.get(userid, {}).values()

    def of_customer(self, external_userid: str) -> Iterable[Follow]:
        return self._by_customer.get(external_userid, {}).values()

    def __setitem__(self, key: Key, follow: Follow) -> None:
        super().__setitem__(key, follow)
        userid, ext = key
        self._by_member.setdefault(userid, {})[ext] = follow
        self._by_customer.setdefault(ext, {})[userid] = follow

    def __delitem__(self, key: Key) -> None:
        super().__delitem__(key)
        self._unindex(key)

    def pop(self, key: Key, default: Any = _MISSING) -> Any:
        if key not in self:
            if default is _MISSING:
                raise KeyError(key)
            return default
        follow = super().pop(key)
        self._unindex(key)
        return follow

    def popitem(self) -> tuple[Key, Follow]:
        key, follow = super().popitem()
        self._unindex(key)
        return key, follow

    def setdefault(self, key: Key, default: Follow) -> Follow:  # type: ignore[override]
        if key not in self:
            self[key] = default
        return self[key]

    def update(self, *args: Any, **kwargs: Any) -> None:
        for key, follow in dict(*args, **kwargs).items():
            self[key] = follow

    def clear(self) -> None:
        super().clear()
        self._by_member.clear()
        self._by_customer.clear()

    def _unindex(self, key: Key) -> None:
        userid, ext = key
        for index, outer, inner in ((self._by_member, userid, ext), (self._by_customer, ext, userid)):
            bucket = index.get(outer)
            if bucket is not None:
                bucket.pop(inner, None)
                if not bucket:
                    del index[outer]
