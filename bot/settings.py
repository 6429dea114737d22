"""Settings: config/default.toml, then a --config/SCRM_CONFIG file, then SCRM_<SECTION>__<KEY> variables."""

from __future__ import annotations

import dataclasses
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from cryptography.fernet import Fernet

from bot.settings_values import (
    ENV_PREFIX,
    SettingsError,
    check_database_url,
    check_timezone,
    coerce,
    networks,
)

DEFAULT_FILE = Path(__file__).resolve().parent.parent / "config" / "default.toml"
__all__ = [
    "ENV_PREFIX",
    "Settings",
    "SettingsError",
    "load",
    "require_wecom",
    "require_wecom_api",
    "validate",
]


@dataclass(frozen=True)
class ServerSettings:
    host: str = "127.0.0.1"
    port: int = 8080
    public_url: str = ""
    max_callback_bytes: int = 262144
    log_level: str = "INFO"
    # The corp's time zone: "today" and date filters mean days there.
    timezone: str = "Asia/Shanghai"
    # reverse proxies (IPs, CIDR blocks) whose X-Forwarded-For names the client; empty: the peer is the client
    trusted_proxies: tuple[str, ...] = ()


@dataclass(frozen=True)
class DataSettings:
    dir: str = "data"


@dataclass(frozen=True)
class DatabaseSettings:
    url: str = ""
    sqlite_synchronous: str = "FULL"
    auto_migrate: bool = True


@dataclass(frozen=True)
class WeComSettings:
    corp_id: str = ""
    token: str = field(default="", repr=False)
    encoding_aes_key: str = field(default="", repr=False)
    agent_id: int = 0
    agent_secret: str = field(default="", repr=False)
    contact_secret: str = field(default="", repr=False)
    api_base_url: str = "https://qyapi.weixin.qq.com"
    oauth_url: str = "https://open.weixin.qq.com/connect/oauth2/authorize"
    rate_per_second: float = 50.0
    max_attempts: int = 4

    @property
    def callback_ready(self) -> bool:
        return bool(self.corp_id and self.token and self.encoding_aes_key)


@dataclass(frozen=True)
class InboxSettings:
    concurrency: int = 8
    max_attempts: int = 8
    retry_base_delay: float = 2.0
    retry_max_delay: float = 600.0
    lease_seconds: float = 60.0
    poll_interval: float = 0.5
    # days a handled event (and its dedup key) is kept; dead ones stay until replayed or deleted
    retention_days: int = 30


@dataclass(frozen=True)
class TasksSettings:
    concurrency: int = 8
    lease_seconds: float = 60.0
    poll_interval: float = 1.0


@dataclass(frozen=True)
class EmulatorSettings:
    host: str = "127.0.0.1"
    port: int = 8081
    callback_retries: int = 3
    callback_timeout: float = 5.0
    # Serve a stand-in for the WeCom client's JS-SDK so the sidebar works in a normal browser (demo, tests).
    jssdk_shim: bool = False


# The parts of a follow relation that are the member's own in WeCom (bot/contacts/scope.py: Visibility).
COLLEAGUE_RELATION_FIELDS = ("remark", "description", "remark_mobiles", "remark_corp_name", "tags", "channel")


@dataclass(frozen=True)
class AccessSettings:
    # userids with the admin role (管理员: every customer), besides those named in the console
    admins: tuple[str, ...] = ()
    # userid -> departments they manage (部门管理员: direct members only), besides WeCom's department leaders
    department_admins: dict[str, tuple[int, ...]] = field(default_factory=dict)
    # bearer tokens for /api/v1 with the admin's view, for reports and integrations
    api_tokens: tuple[str, ...] = field(default=(), repr=False)
    # Fernet key for the session cookie; empty: generated once into the data directory
    session_secret: str = field(default="", repr=False)
    session_hours: float = 12.0
    # what others may read of a member's relation beyond name, add time and status (COLLEAGUE_RELATION_FIELDS)
    colleague_relation_fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class SyncSettings:
    auto_when_empty: bool = True
    reconcile_enabled: bool = True
    reconcile_cron: str = "0 3 * * *"
    stale_after: float = 120.0


@dataclass(frozen=True)
class NotifySettings:
    reminder_interval: float = 30.0
    max_attempts: int = 5


@dataclass(frozen=True)
class RadarSettings:
    # HMAC key that signs radar links; empty: generated once into the data directory as radar.key
    link_secret: str = field(default="", repr=False)
    # a radar link (and every link shared from it) opens for this many days after staff sent it
    link_days: int = 365
    # upload limits per file type, in MB
    max_pdf_mb: int = 50
    max_image_mb: int = 10
    max_video_mb: int = 200
    # seconds between a visible page's heartbeats (each adds viewing time)
    heartbeat_seconds: int = 5
    # beacons a visitor (and, separately, an IP address) may send per minute; the rest are dropped
    beacons_per_minute: int = 120
    # how often the scheduler sends queued visit alerts to staff, in seconds
    alert_interval: float = 5.0
    # at most one alert per customer, radar and staff member within this many minutes
    alert_window_minutes: int = 30
    # WeChat official account (公众号) whose OAuth names radar visitors by openid and unionid; empty: the
    # WeCom app's own OAuth (auth/getuserinfo) names them by external_userid
    wechat_app_id: str = ""
    wechat_app_secret: str = field(default="", repr=False)
    wechat_oauth_url: str = "https://open.weixin.qq.com/connect/oauth2/authorize"
    wechat_api_base_url: str = "https://api.weixin.qq.com/"


@dataclass(frozen=True)
class Settings:
    server: ServerSettings = field(default_factory=ServerSettings)
    data: DataSettings = field(default_factory=DataSettings)
    database: DatabaseSettings = field(default_factory=DatabaseSettings)
    wecom: WeComSettings = field(default_factory=WeComSettings)
    inbox: InboxSettings = field(default_factory=InboxSettings)
    tasks: TasksSettings = field(default_factory=TasksSettings)
    emulator: EmulatorSettings = field(default_factory=EmulatorSettings)
    access: AccessSettings = field(default_factory=AccessSettings)
    sync: SyncSettings = field(default_factory=SyncSettings)
    notify: NotifySettings = field(default_factory=NotifySettings)
    radar: RadarSettings = field(default_factory=RadarSettings)

    @property
    def data_dir(self) -> Path:
        return Path(self.data.dir).expanduser().resolve()

    @property
    def database_url(self) -> str:
        return self.database.url or f"sqlite://{self.data_dir / 'scrm.sqlite3'}"

    @property
    def public_url(self) -> str:
        return (self.server.public_url or f"http://{self.server.host}:{self.server.port}").rstrip("/")

    def replace(self, **sections: dict[str, Any]) -> Settings:
        """A copy with some keys of some sections changed, validated again."""
        changed = {name: dataclasses.replace(getattr(self, name), **keys) for name, keys in sections.items()}
        return validate(dataclasses.replace(self, **changed))


_SECTION_TYPES = {
    "server": ServerSettings,
    "data": DataSettings,
    "database": DatabaseSettings,
    "wecom": WeComSettings,
    "inbox": InboxSettings,
    "tasks": TasksSettings,
    "emulator": EmulatorSettings,
    "access": AccessSettings,
    "sync": SyncSettings,
    "notify": NotifySettings,
    "radar": RadarSettings,
}


def load(config_file: str | os.PathLike | None = None, env: dict[str, str] | None = None) -> Settings:
    """Read and validate settings; raises SettingsError with a one-line reason."""
    env = os.environ if env is None else env
    raw = _read_toml(DEFAULT_FILE)
    config_file = config_file or env.get(f"{ENV_PREFIX}CONFIG") or None
    if config_file:
        _merge(raw, _read_toml(Path(config_file)), source=str(config_file))
    for name, value in env.items():
        if not name.startswith(ENV_PREFIX) or "__" not in name:
            continue
        section, _, key = name[len(ENV_PREFIX) :].lower().partition("__")
        _merge(raw, {section: {key: value}}, source=name)
    return validate(_build(raw))


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise SettingsError("config", f"file {path} does not exist") from None
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError("config", f"file {path} is not valid TOML ({exc})") from None


def _merge(raw: dict[str, Any], extra: dict[str, Any], source: str) -> None:
    for section, keys in extra.items():
        if section not in _SECTION_TYPES or not isinstance(keys, dict):
            raise SettingsError(section, f"unknown section in {source}")
        known = {f.name for f in dataclasses.fields(_SECTION_TYPES[section])}
        for key, value in keys.items():
            if key not in known:
                raise SettingsError(f"{section}.{key}", f"unknown setting in {source}")
            raw.setdefault(section, {})[key] = value


def _build(raw: dict[str, Any]) -> Settings:
    sections = {}
    for section, cls in _SECTION_TYPES.items():
        values = {}
        for f in dataclasses.fields(cls):
            if f.name in raw.get(section, {}):
                default = f.default_factory() if f.default is dataclasses.MISSING else f.default
                values[f.name] = coerce(f"{section}.{f.name}", raw[section][f.name], default)
        sections[section] = cls(**values)
    return Settings(**sections)


_CORP_ID = re.compile(r"^w[wx][0-9A-Za-z]{16}$")
_TOKEN = re.compile(r"^[A-Za-z0-9]{1,32}$")
_AES_KEY = re.compile(r"^[A-Za-z0-9]{43}$")
_API_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32,128}$")


def validate(s: Settings) -> Settings:
    """Check every value that would otherwise fail later, on a request or in the middle of the night."""
    for name, port in (("server.port", s.server.port), ("emulator.port", s.emulator.port)):
        if not 0 <= port <= 65535:
            raise SettingsError(name, "must be a port number between 1 and 65535 (0 picks a free one)")
    if s.server.log_level.upper() not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
        raise SettingsError("server.log_level", "must be DEBUG, INFO, WARNING or ERROR")
    if s.server.max_callback_bytes < 1024:
        raise SettingsError("server.max_callback_bytes", "must be at least 1024")
    networks("server.trusted_proxies", s.server.trusted_proxies)
    check_database_url(s.database.url)
    if s.database.sqlite_synchronous.upper() not in {"FULL", "NORMAL", "EXTRA"}:
        raise SettingsError("database.sqlite_synchronous", "must be FULL, NORMAL or EXTRA")
    w = s.wecom
    if w.corp_id and not _CORP_ID.match(w.corp_id):
        raise SettingsError("wecom.corp_id", "must look like ww followed by 16 letters or digits")
    if w.token and not _TOKEN.match(w.token):
        raise SettingsError("wecom.token", "must be 1-32 letters or digits")
    if w.encoding_aes_key and not _AES_KEY.match(w.encoding_aes_key):
        raise SettingsError("wecom.encoding_aes_key", "must be exactly 43 letters or digits")
    if w.agent_id < 0:
        raise SettingsError("wecom.agent_id", "must be a positive AgentId")
    for key in ("api_base_url", "oauth_url"):
        parts = urlsplit(getattr(w, key))
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise SettingsError(f"wecom.{key}", "must be an http(s) URL")
    if w.rate_per_second <= 0:
        raise SettingsError("wecom.rate_per_second", "must be above 0")
    if w.max_attempts < 1:
        raise SettingsError("wecom.max_attempts", "must be at least 1")
    i = s.inbox
    for key in ("concurrency", "max_attempts", "retention_days"):
        if getattr(i, key) < 1:
            raise SettingsError(f"inbox.{key}", "must be at least 1")
    for key in ("lease_seconds", "poll_interval", "retry_max_delay"):
        if getattr(i, key) <= 0:
            raise SettingsError(f"inbox.{key}", "must be above 0")
    if i.retry_base_delay < 0:
        raise SettingsError("inbox.retry_base_delay", "must not be negative")
    if s.tasks.concurrency < 1:
        raise SettingsError("tasks.concurrency", "must be at least 1")
    for key in ("lease_seconds", "poll_interval"):
        if getattr(s.tasks, key) <= 0:
            raise SettingsError(f"tasks.{key}", "must be above 0")
    check_timezone(s.server.timezone)
    _check_access(s.access)
    _check_sync(s.sync, s.server.timezone)
    if s.notify.reminder_interval < 1:
        raise SettingsError("notify.reminder_interval", "must be at least 1 (seconds)")
    if s.notify.max_attempts < 1:
        raise SettingsError("notify.max_attempts", "must be at least 1")
    if s.radar.link_secret and len(s.radar.link_secret) < 32:
        raise SettingsError("radar.link_secret", "must be at least 32 characters")
    _check_radar(s.radar)
    return s


def _check_radar(r: RadarSettings) -> None:
    if not 1 <= r.link_days <= 3650:
        raise SettingsError("radar.link_days", "must be between 1 and 3650")
    for key in ("max_pdf_mb", "max_image_mb", "max_video_mb"):
        if not 1 <= getattr(r, key) <= 4096:
            raise SettingsError(f"radar.{key}", "must be between 1 and 4096 (MB)")
    if not 1 <= r.heartbeat_seconds <= 60:
        raise SettingsError("radar.heartbeat_seconds", "must be between 1 and 60")
    if r.beacons_per_minute < 1:
        raise SettingsError("radar.beacons_per_minute", "must be at least 1")
    if r.alert_interval < 1:
        raise SettingsError("radar.alert_interval", "must be at least 1 (seconds)")
    if r.alert_window_minutes < 0:
        raise SettingsError("radar.alert_window_minutes", "must not be negative")
    if r.wechat_app_id and not r.wechat_app_secret:
        raise SettingsError("radar.wechat_app_secret", "is required when radar.wechat_app_id is set")
    for key in ("wechat_oauth_url", "wechat_api_base_url"):
        if not getattr(r, key).startswith(("http://", "https://")):
            raise SettingsError(f"radar.{key}", "must be an http(s) URL")


def _check_access(a: AccessSettings) -> None:
    for token in a.api_tokens:
        if not _API_TOKEN.match(token):
            raise SettingsError("access.api_tokens", "each token must be 32-128 letters, digits, - or _")
    if a.session_secret:
        try:
            Fernet(a.session_secret.encode())
        except ValueError:
            raise SettingsError(
                "access.session_secret", "must be a Fernet key (44 characters of url-safe base64)"
            ) from None
    if a.session_hours <= 0:
        raise SettingsError("access.session_hours", "must be above 0")
    if unknown := set(a.colleague_relation_fields) - set(COLLEAGUE_RELATION_FIELDS):
        known = ", ".join(COLLEAGUE_RELATION_FIELDS)
        problem = f"unknown {', '.join(sorted(unknown))}; each must be one of {known}"
        raise SettingsError("access.colleague_relation_fields", problem)


def _check_sync(y: SyncSettings, timezone: str) -> None:
    from apscheduler.triggers.cron import CronTrigger

    try:
        CronTrigger.from_crontab(y.reconcile_cron, timezone=ZoneInfo(timezone))
    except ValueError as exc:
        raise SettingsError(
            "sync.reconcile_cron", f"must be a crontab line such as '0 3 * * *' ({exc})"
        ) from None
    if y.stale_after < 30:
        raise SettingsError("sync.stale_after", "must be at least 30 (a running sync beats every 10 s)")


def require_wecom_api(s: Settings) -> None:
    """Reading the directory and customers needs the corp id and both secrets; say which one is missing."""
    for key in ("corp_id", "agent_secret", "contact_secret"):
        if not getattr(s.wecom, key):
            raise SettingsError(f"wecom.{key}", "is required to read the directory and customers from WeCom")


def require_wecom(s: Settings) -> None:
    """The callback cannot work without these three; say which one is missing."""
    for key in ("corp_id", "token", "encoding_aes_key"):
        if not getattr(s.wecom, key):
            raise SettingsError(f"wecom.{key}", "is required to receive WeCom callbacks")
