"""Database lifecycle: tortoise configuration from settings, migrations, and health checks."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from tortoise import Tortoise, connections
from tortoise.migrations.executor import MigrationExecutor

from bot.settings import Settings, SettingsError
from bot.store import datadir

log = logging.getLogger(__name__)

APP = "models"
# Every domain package keeps its tables in its own models module; they form one tortoise app ("models"), so
# moving a model between these modules changes nothing in the migration state (it names "models.<Class>").
# Named as strings: storage never imports the domains.
MODEL_MODULES = [
    "bot.store.models",
    "bot.inbox.models",
    "bot.contacts.models",
    "bot.followups.models",
    "bot.radar.models",
    "bot.tasks.models",
]
MODELS_APP = {"models": MODEL_MODULES, "default_connection": "default", "migrations": "bot.migrations"}

# For the `tortoise` CLI (makemigrations) only: `tortoise -c bot.store.db.TORTOISE_ORM makemigrations`.
TORTOISE_ORM = {"connections": {"default": "sqlite://:memory:"}, "apps": {APP: MODELS_APP}}


def is_postgres(url: str) -> bool:
    return urlsplit(url).scheme in {"postgres", "postgresql", "asyncpg"}


def is_postgres_connection(conn) -> bool:
    return conn.capabilities.dialect == "postgres"


def tortoise_config(settings: Settings, extra_apps: dict | None = None) -> dict:
    url = settings.database_url
    if is_postgres(url):
        parts = urlsplit(url)
        connection: dict | str = {
            "engine": "tortoise.backends.asyncpg",
            "credentials": {
                "host": parts.hostname,
                "port": parts.port or 5432,
                "user": parts.username or "postgres",
                "password": parts.password or "",
                "database": parts.path.lstrip("/"),
                "minsize": 1,
                "maxsize": 10,
                # asyncpg prepares every statement, and PostgreSQL then reuses a generic plan made while a
                # table was small: a full sync filling follow_relation from empty kept seq-scanning it
                # (4.5 times slower over 50 000 customers). Custom plans follow the table as it grows.
                "server_settings": {"plan_cache_mode": "force_custom_plan"},
            },
        }
    else:
        path = url.removeprefix("sqlite://")
        if path != ":memory:":
            Path(path).parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            # SQLite gives a new -wal/-shm the database file's own mode, whatever the umask: a file an older
            # version made 0644 is tightened first, or the -wal/-shm would come out 0644 as well.
            for suffix in ("", "-wal", "-shm"):
                datadir.tighten(Path(path + suffix))
        connection = {
            "engine": "tortoise.backends.sqlite",
            "credentials": {
                "file_path": path,
                "journal_mode": "WAL",
                "synchronous": settings.database.sqlite_synchronous.upper(),
                # Another process (a separate worker) may hold the write lock for a moment.
                "busy_timeout": 5000,
            },
        }
    apps = {APP: dict(MODELS_APP)}
    apps.update(extra_apps or {})
    return {"connections": {"default": connection}, "apps": apps, "use_tz": True, "timezone": "UTC"}


async def open_db(settings: Settings, *, migrate: bool | None = None, extra_apps: dict | None = None) -> None:
    """Connect; apply pending migrations when asked (default: the auto_migrate setting).

    `extra_apps` are model apps without migrations (the tests' own models); their tables are created
    after the product schema is up to date.
    """
    # Whatever this process writes from here on (the SQLite file, keys, uploads) is its owner's only.
    datadir.make_private(settings.data_dir, create=False)
    # The global fallback makes the connection visible to every task (aiohttp runs startup, requests and
    # cleanup in different tasks), not only to the one that called init.
    await Tortoise.init(config=tortoise_config(settings, extra_apps), _enable_global_fallback=True)
    try:
        await connections.get("default").execute_query("SELECT 1")
    except Exception as exc:
        await Tortoise.close_connections()
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise SettingsError("database.url", f"cannot connect: {reason}") from None
    if migrate is None:
        migrate = settings.database.auto_migrate
    try:
        pending = await pending_migrations()
        if pending and migrate:
            log.info(
                "database schema is behind: applying %d migration(s): %s", len(pending), ", ".join(pending)
            )
            await apply_migrations()
        elif pending:
            log.warning("database schema is behind by %d migration(s); run `scrm migrate`", len(pending))
        if extra_apps:
            await Tortoise.generate_schemas(safe=True)
    except BaseException:
        await Tortoise.close_connections()  # leave no half-open global context behind
        raise


async def close_db() -> None:
    await Tortoise.close_connections()


def _executor() -> MigrationExecutor:
    return MigrationExecutor(connections.get("default"), {APP: dict(MODELS_APP)})


async def pending_migrations() -> list[str]:
    steps = await _executor().plan()
    return [f"{step.migration.app_label}.{step.migration.name}" for step in steps if not step.backward]


async def apply_migrations(progress: Callable[[str, str, str], object] | None = None) -> list[str]:
    pending = await pending_migrations()
    if pending:
        await _executor().migrate(progress=progress)
    return pending


async def ping(wait: float = 2.0) -> bool:
    """True when the database answers a trivial query."""
    try:
        async with asyncio.timeout(wait):
            await connections.get("default").execute_query("SELECT 1")
    except Exception as exc:  # any driver error means "unreachable" to a health check
        log.warning("database ping failed: %s", type(exc).__name__)
        return False
    return True
