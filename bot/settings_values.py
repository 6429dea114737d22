"""Settings values as they arrive (TOML or environment text) turned into typed ones, checks of single values
(time zone, database URL), and the error that names a setting when one is malformed."""

from __future__ import annotations

import ipaddress
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

ENV_PREFIX = "SCRM_"


class SettingsError(Exception):
    """A setting is missing or malformed; the message is one line naming it (never its secret value)."""

    def __init__(self, name: str, problem: str):
        section, _, key = name.partition(".")
        env = f"{ENV_PREFIX}{section.upper()}__{key.upper()}" if key else ""
        where = f"{name} ({env})" if env else name
        super().__init__(f"setting {where}: {problem}")
        self.name = name


def coerce(name: str, value: Any, default: Any) -> Any:
    """Environment variables arrive as text; convert to the type the default has."""
    kind = type(default)
    if kind is tuple:
        return _coerce_list(name, value)
    if kind is dict:
        return _coerce_departments(name, value)
    if kind is bool:
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in {"1", "true", "yes", "on"}:
            return True
        if text in {"0", "false", "no", "off"}:
            return False
        raise SettingsError(name, "must be true or false")
    if kind is int:
        if isinstance(value, bool):
            raise SettingsError(name, "must be a whole number")
        try:
            return int(str(value).strip())
        except ValueError:
            raise SettingsError(name, "must be a whole number") from None
    if kind is float:
        try:
            return float(str(value).strip())
        except ValueError:
            raise SettingsError(name, "must be a number") from None
    if not isinstance(value, str):
        raise SettingsError(name, "must be text")
    return value.strip()


def _coerce_list(name: str, value: Any) -> tuple[str, ...]:
    """A TOML array of text, or comma-separated text from an environment variable."""
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list | tuple) or not all(isinstance(i, str) for i in items):
        raise SettingsError(name, 'must be a list of text, e.g. ["a", "b"] (or a,b in the variable)')
    return tuple(i.strip() for i in items if i.strip())


def _coerce_departments(name: str, value: Any) -> dict[str, tuple[int, ...]]:
    """A TOML table userid = [department ids], or "userid=1,2;userid2=3" from an environment variable."""
    if isinstance(value, str):
        value = {
            userid.strip(): [d for d in ids.split(",") if d.strip()]
            for userid, _, ids in (part.partition("=") for part in value.split(";") if part.strip())
        }
    if not isinstance(value, dict):
        raise SettingsError(name, "must map userids to department ids, e.g. { lisi = [2, 3] }")
    result = {}
    for userid, ids in value.items():
        try:
            result[str(userid).strip()] = tuple(int(str(d).strip()) for d in ids)
        except (TypeError, ValueError):
            raise SettingsError(name, f"departments of {userid} must be whole numbers") from None
    return result


def check_timezone(name: str) -> None:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError("server.timezone", "must be an IANA time zone such as Asia/Shanghai") from None


def check_database_url(url: str) -> None:
    if not url:
        return
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        if not (parts.netloc + parts.path) or (parts.netloc + parts.path) == "/":
            raise SettingsError(
                "database.url", "sqlite URL needs a file path, e.g. sqlite:///var/lib/scrm.db"
            )
        return
    if parts.scheme in {"postgres", "postgresql", "asyncpg"}:
        try:
            port = parts.port
        except ValueError:
            raise SettingsError("database.url", "has a port that is not a number") from None
        if not parts.hostname or not parts.path.strip("/"):
            raise SettingsError("database.url", "postgres URL needs a host and a database name")
        if port is not None and not 0 < port < 65536:
            raise SettingsError("database.url", "has a port outside 1-65535")
        return
    raise SettingsError("database.url", "must start with sqlite:// or postgres://")


def networks(name: str, values: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """IP addresses and CIDR blocks (10.0.0.5, 10.0.0.0/8, fd00::/8) as networks; a block with host bits set
    (10.0.0.5/8) is refused, since which of two meanings was wanted cannot be told."""
    found = []
    for value in values:
        try:
            found.append(ipaddress.ip_network(value))
        except ValueError:
            problem = f"{value!r} is not an IP address or CIDR block such as 10.0.0.0/8"
            raise SettingsError(name, problem) from None
    return tuple(found)
