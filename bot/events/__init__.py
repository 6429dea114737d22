"""Event handler registries, one module per event family, composed into one router here."""

from bot.events import contacts, directory, tags
from bot.events.router import Context, Route, Router

# One router per event family; the chat family joins as the mirror grows.
ROUTERS: tuple[Router, ...] = (contacts.router, tags.router, directory.router)


def default_router() -> Router:
    """Every product handler, composed into one router for the inbox worker."""
    return Router.compose(*ROUTERS)


__all__ = ["Context", "Route", "Router", "default_router"]
