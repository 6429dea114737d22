"""User actions: what people do in the WeCom client or console; each changes state and emits its callback."""

from __future__ import annotations

import inspect

from .actions_base import ActionError
from .actions_chats import ChatActions, MassActions
from .actions_contacts import ContactActions, TagActions
from .actions_directory import DirectoryActions

__all__ = ["ACTION_NAMES", "ActionError", "UserActions"]


class UserActions(ContactActions, TagActions, ChatActions, MassActions, DirectoryActions):
    """Every method returns a dict describing what changed (ids, welcome_code, member_version...)."""


# Exposed as POST /_emulator/actions/<name>: the public methods above, nothing else.
ACTION_NAMES = frozenset(
    name for name, member in inspect.getmembers(UserActions, inspect.isfunction) if not name.startswith("_")
)
