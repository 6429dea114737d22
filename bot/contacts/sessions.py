"""Staff login sessions kept in the database, so that logging out, losing a role or leaving WeCom ends them.

The session cookie (sidebar_web/auth.py) carries a random secret; the session lives while its row does, and
ending it deletes the row. Every request reads the row by primary key, uncached: revocations also come from
other processes (the worker handles WeCom's delete_user), and a cached session would outlive them there.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import UTC, datetime, timedelta

from bot.contacts.models import StaffSession

log = logging.getLogger(__name__)


def _key(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


async def start(userid: str, hours: float) -> str:
    """A new session for `userid`; returns the secret for the cookie (the table keeps only its hash)."""
    now = datetime.now(UTC)
    await StaffSession.filter(expires_at__lte=now).delete()  # logins are rare: tidy up then
    secret = secrets.token_urlsafe(32)
    await StaffSession.create(
        id=_key(secret), userid=userid, created_at=now, expires_at=now + timedelta(hours=hours)
    )
    return secret


async def userid_of(secret: object) -> str | None:
    """Whose live session this is; None when it was ended, has expired or never existed."""
    if not isinstance(secret, str) or not secret:
        return None
    found = await StaffSession.filter(id=_key(secret), expires_at__gt=datetime.now(UTC)).values_list(
        "userid", flat=True
    )
    return found[0] if found else None


async def end(secret: object) -> None:
    """Log one session out (the others of the same member go on)."""
    if isinstance(secret, str) and secret:
        await StaffSession.filter(id=_key(secret)).delete()


async def end_all(userids: list[str] | tuple[str, ...]) -> int:
    """End every session of these members: a role taken away, or gone from WeCom. Returns how many."""
    if not userids:
        return 0
    ended = await StaffSession.filter(userid__in=list(userids)).delete()
    if ended:
        log.info("ended %d login session(s) of %s", ended, ", ".join(sorted(userids)))
    return ended
