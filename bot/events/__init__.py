"""Event handler registries, one module per event family, composed into one router here."""

from bot.events.router import Context, Route, Router

# The mirror's families (contact, chat, tag, directory) register on their own routers and are added here.
ROUTERS: tuple[Router, ...] = ()


def default_router() -> Router:
    """Every product handler, composed into one router for the inbox worker."""
    return Router.compose(*ROUTERS)


__all__ = ["Context", "Route", "Router", "default_router"]
