"""The typed app key under which the console and control routes find the emulator, and what they use of it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from aiohttp import web

from .actions import UserActions
from .api.gateway import Gateway
from .callbacks import CallbackSender
from .config import CorpConfig
from .state import CorpState


class EmulatorParts(Protocol):
    """The parts of an Emulator its web faces use. A protocol, not the class: the Emulator builds the app
    that serves those faces, so they must not import it."""

    corp: CorpConfig
    state: CorpState
    callbacks: CallbackSender
    actions: UserActions
    gateway: Gateway
    clock: Callable[[], float]
    mirror_link: str | None


EMULATOR_KEY: web.AppKey[EmulatorParts] = web.AppKey("emulator")
