"""Event handler registries, one module per event family, composed into one router here."""

from bot.events import chats, contacts, directory, tags
from bot.events.router import Context, Route, Router

# One router per event family.
ROUTERS: tuple[Router, ...] = (contacts.router, chats.router, tags.router, directory.router)


def default_router() -> Router:
    """Every product handler, composed into one router for the inbox worker."""
    return Router.compose(*ROUTERS)


__all__ = ["Context", "Route", "Router", "default_router"]
