"""Where access tokens and jsapi tickets are cached: the TokenStore protocol and an in-memory store."""

from __future__ import annotations

import hashlib
from typing import Protocol


def token_key(corp_id: str, secret: str) -> str:
    """Store key of the access token for one secret; a hash prefix stands in for the secret itself."""
    return f"token:{corp_id}:{hashlib.sha256(secret.encode()).hexdigest()[:12]}"


def corp_ticket_key(corp_id: str) -> str:
    return f"ticket:corp:{corp_id}"


def agent_ticket_key(corp_id: str, agent_id: int | str) -> str:
    return f"ticket:agent:{corp_id}:{agent_id}"


class TokenStore(Protocol):
    """A shared cache of short-lived credentials: value plus expiry in unix seconds."""

    async def get(self, key: str) -> tuple[str, float] | None: ...

    async def put(self, key: str, value: str, expires_at: float) -> None: ...

    async def invalidate(self, key: str, value: str) -> None:
        """Drop the entry only if it still holds `value` (a concurrent refresh may have replaced it)."""
        ...


class MemoryTokenStore:
    """TokenStore for one process (tests, the emulator demo, single-process deployments)."""

    def __init__(self) -> None:
        self._entries: dict[str, tuple[str, float]] = {}

    async def get(self, key: str) -> tuple[str, float] | None:
        return self._entries.get(key)

    async def put(self, key: str, value: str, expires_at: float) -> None:
        self._entries[key] = (value, expires_at)

    async def invalidate(self, key: str, value: str) -> None:
        entry = self._entries.get(key)
        if entry is not None and entry[0] == value:
            del self._entries[key]
