"""User actions: what people do in the WeCom client or console; each changes state and emits its callback."""

from __future__ import annotations

import inspect
from typing import Any

from .base import ActionError
from .chats import ChatActions, MassActions
from .contacts import ContactActions, TagActions
from .directory import DirectoryActions

__all__ = ["ACTION_NAMES", "ActionError", "UserActions", "run_action"]


class UserActions(ContactActions, TagActions, ChatActions, MassActions, DirectoryActions):
    """Every method returns a dict describing what changed (ids, welcome_code, member_version...)."""


# Exposed as POST /_emulator/actions/<name>: the public methods above, nothing else.
ACTION_NAMES = frozenset(
    name for name, member in inspect.getmembers(UserActions, inspect.isfunction) if not name.startswith("_")
)


def run_action(actions: UserActions, name: str, kwargs: dict[str, Any]) -> dict[str, Any]:
    """Run one user action by name: the one path for the JSON endpoint and the console page."""
    try:
        return getattr(actions, name)(**kwargs)
    except TypeError as exc:  # wrong or missing arguments
        raise ActionError(str(exc)) from None
