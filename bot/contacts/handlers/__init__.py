"""The mirror's event handlers, one module per event family (contacts, groups, tags, directory)."""

from bot.contacts.handlers import chats, contacts, directory, tags
from bot.inbox.router import Router

# One router per event family.
ROUTERS: tuple[Router, ...] = (contacts.router, chats.router, tags.router, directory.router)
