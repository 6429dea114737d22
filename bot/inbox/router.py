"""A small registry of handlers keyed by (Event, ChangeType), composed from per-family routers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any

from bot.wecom.events import Event


@dataclass(frozen=True)
class Context:
    """What a handler may use: the WeCom client (None when WeCom is not configured), settings, and
    whatever its route's fetch step returned."""

    wecom: Any = None
    settings: Any = None
    fetched: Any = None

    def with_fetched(self, fetched: Any) -> Context:
        return replace(self, fetched=fetched)


Handler = Callable[[Event, Context], Awaitable[None]]
Fetch = Callable[[Event, Context], Awaitable[Any]]

ANY = "*"


@dataclass(frozen=True)
class Route:
    """A handler, and optionally a fetch step that reads WeCom before the handler's transaction.

    The inbox runs `fetch` first (network, outside any transaction), then `handler(event, ctx)`
    inside the same database transaction that marks the event done, so a handler's writes happen
    exactly once even when the worker dies half-way. Calls that change WeCom belong in `fetch` or
    after the fact, and must tolerate a repeat.
    """

    handler: Handler
    fetch: Fetch | None = None

    @property
    def name(self) -> str:
        return getattr(self.handler, "__qualname__", repr(self.handler))


class Router:
    def __init__(self) -> None:
        self._routes: dict[tuple[str, str], list[Route]] = {}

    def register(self, event: str, change_type: str = ANY, *, fetch: Fetch | None = None):
        """Decorator: `@router.register("change_external_contact", "add_external_contact")`."""

        def decorate(handler: Handler) -> Handler:
            self.add(event, change_type, Route(handler, fetch))
            return handler

        return decorate

    def add(self, event: str, change_type: str, route: Route) -> None:
        self._routes.setdefault((event, change_type), []).append(route)

    def routes_for(self, event: Event) -> list[Route]:
        return [
            *self._routes.get((event.event, event.change_type), ()),
            *self._routes.get((event.event, ANY), ()),
        ]

    @classmethod
    def compose(cls, *routers: Router) -> Router:
        combined = cls()
        for router in routers:
            for key, routes in router._routes.items():
                combined._routes.setdefault(key, []).extend(routes)
        return combined

    def __len__(self) -> int:
        return sum(len(routes) for routes in self._routes.values())
