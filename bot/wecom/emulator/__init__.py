"""A local WeCom emulator: REST API, encrypted callbacks with injected faults, and simulated user actions."""

from .actions import ActionError, UserActions
from .callbacks import CallbackSender, CallbackVerificationFailed, DeliveryRecord
from .config import CorpConfig, OffsetClock
from .server import Emulator, run_emulator
from .state import CorpState

__all__ = [
    "ActionError",
    "CallbackSender",
    "CallbackVerificationFailed",
    "CorpConfig",
    "CorpState",
    "DeliveryRecord",
    "Emulator",
    "OffsetClock",
    "UserActions",
    "run_emulator",
]
