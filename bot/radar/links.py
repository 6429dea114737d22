"""Radar links: who sent which radar to whom, and who shared it on, signed so that checking needs no database.

A link carries the radar, the staff member who sent it, the customer it was sent to (when known), the visit
it was shared from (none when staff sent it: level 1) and when the chain began. The signature is an
HMAC-SHA256 over those fields; a changed character, another key or an expired chain makes it invalid.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass, replace

from bot.settings import Settings
from bot.store.keys import data_key, same_secret

_DAY = 86400


class BadLink(ValueError):
    """A link that must not be honoured; `reason` says why (for logs, never shown to the visitor)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class RadarLink:
    radar_id: int
    userid: str  # the staff member who sent the radar (所属成员)
    recipient: str = ""  # the customer staff sent it to, when the sidebar knew the chat
    parent_visit: int | None = None  # the visit whose visitor shared this link; None: sent by staff
    issued_at: int = 0  # unix seconds when staff sent it; shared links keep it, so a chain expires whole

    def shared_from(self, visit_id: int) -> RadarLink:
        """The link a visitor passes on: same radar, sender and age, with their visit as the parent."""
        return replace(self, recipient="", parent_visit=visit_id)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class LinkSigner:
    def __init__(self, key: bytes, max_age_days: int):
        if len(key) < 32:
            raise ValueError("a radar link key needs at least 32 bytes")
        self._keyed = hmac.new(key, digestmod=hashlib.sha256)  # copied per MAC: the key is hashed once
        self.max_age = max_age_days * _DAY

    @classmethod
    def from_settings(cls, settings: Settings) -> LinkSigner:
        secret = settings.radar.link_secret.encode() or data_key(
            settings.data_dir, "radar.key", lambda: secrets.token_urlsafe(48).encode()
        )
        return cls(secret, settings.radar.link_days)

    def sign(self, link: RadarLink) -> str:
        fields = {"r": link.radar_id, "u": link.userid, "t": link.issued_at or int(time.time())}
        if link.recipient:
            fields["c"] = link.recipient
        if link.parent_visit is not None:
            fields["p"] = link.parent_visit
        body = _b64(json.dumps(fields, separators=(",", ":"), ensure_ascii=False).encode())
        return f"{body}.{self._mac(body)}"

    def verify(self, token: str, *, now: float | None = None) -> RadarLink:
        body, dot, mac = token.partition(".")
        if not dot or not body or not mac or len(token) > 1024:
            raise BadLink("malformed")
        if not same_secret(mac, self._mac(body)):
            raise BadLink("bad signature")
        try:
            fields = json.loads(_unb64(body))
            link = RadarLink(
                radar_id=int(fields["r"]),
                userid=str(fields["u"]),
                recipient=str(fields.get("c", "")),
                parent_visit=int(fields["p"]) if "p" in fields else None,
                issued_at=int(fields["t"]),
            )
        except (ValueError, KeyError, TypeError):
            raise BadLink("malformed") from None  # signed by us yet unreadable: only if the format changed
        age = (time.time() if now is None else now) - link.issued_at
        if age > self.max_age:
            raise BadLink("expired")
        if age < -300:  # more than clock skew into the future
            raise BadLink("issued in the future")
        return link

    def seal(self, kind: str, value: str) -> str:
        """`value` with a MAC for one purpose (`kind`), for small values radar pages hand out: a visit's
        beacon key, a visitor's cookie. A value sealed for one kind does not open as another."""
        return f"{value}.{self._mac(kind + ':' + value)}"

    def unseal(self, kind: str, sealed: str) -> str | None:
        """The value, or None when the seal is missing, forged or of another kind."""
        value, dot, mac = sealed.rpartition(".")
        if not dot or not value or len(sealed) > 256:
            return None
        return value if same_secret(mac, self._mac(kind + ":" + value)) else None

    def _mac(self, body: str) -> str:
        mac = self._keyed.copy()
        mac.update(body.encode("utf-8", "surrogatepass"))
        return _b64(mac.digest())
