"""Access tokens and JS-SDK tickets kept in the database, so every process shares one token per secret."""

from __future__ import annotations

from bot.store.models import WeComToken


class DbTokenStore:
    """The client's TokenStore backed by the wecom_token table."""

    async def get(self, key: str) -> tuple[str, float] | None:
        row = await WeComToken.get_or_none(key=key)
        return (row.value, row.expires_at) if row else None

    async def put(self, key: str, value: str, expires_at: float) -> None:
        await WeComToken.update_or_create(key=key, defaults={"value": value, "expires_at": expires_at})

    async def invalidate(self, key: str, value: str) -> None:
        await WeComToken.filter(key=key, value=value).delete()
