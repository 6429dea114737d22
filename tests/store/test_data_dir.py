"""The data directory is its owner's only, whatever umask the server was started with: the directory is 0700
and everything created in it 0600 (the SQLite file and its -wal/-shm, the generated keys, radar uploads),
and an older install's looser modes are tightened when the server starts."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from tortoise import connections

from bot.appkeys import SETTINGS
from bot.radar import groups as radar_groups
from bot.radar.models import Radar
from sidebar_web.app import create_app
from tests.conftest import TEST_DATABASE_URL
from tests.radar.test_console import as_admin, post, radar_form
from tests.radar.test_files import PDF, PNG
from tests.web.test_cli import scrm

SQLITE = not TEST_DATABASE_URL


@pytest.fixture
def loose_umask():
    """The umask of most systems, under which new files are readable by every user (0644); restored after."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def too_open(root: Path) -> dict[str, str]:
    """Every directory under root (itself included) that is not 0700 and every file that is not 0600."""
    found = {}
    for path in [root, *root.rglob("*")]:
        mode = stat.S_IMODE(path.lstat().st_mode)
        if mode != (0o700 if path.is_dir() else 0o600):
            found[str(path.relative_to(root))] = oct(mode)
    return found


def test_scrm_migrate_makes_a_private_data_directory_and_database(loose_umask, settings):
    made = scrm(settings, "migrate")  # the child inherits the loose umask
    assert made.returncode == 0, made.stderr
    if SQLITE:
        assert (settings.data_dir / "scrm.sqlite3").is_file()
    if settings.data_dir.exists():
        assert too_open(settings.data_dir) == {}


async def test_serving_and_uploading_leave_nothing_others_can_read(loose_umask, company):
    data_dir = company.client.app[SETTINGS].data_dir
    group = await radar_groups.create_group("产品介绍")
    csrf = await as_admin(company)
    status, _, _ = await post(
        company,
        "/console/radar/radars",
        radar_form(csrf, {"file_pdf": ("手册.pdf", PDF), "cover": ("封面.png", PNG)}, group_id=group.id),
    )
    assert status == 303
    radar = await Radar.get(name="产品手册")
    written = {p.name for p in data_dir.rglob("*")}
    assert {"session.key", "radar.key", "radar", radar.file, radar.cover} <= written
    if SQLITE:  # the server is still running: the WAL files are there too
        assert {"scrm.sqlite3", "scrm.sqlite3-wal", "scrm.sqlite3-shm"} <= written
    assert too_open(data_dir) == {}


@pytest.mark.skipif(not SQLITE, reason="the SQLite file's own mode")
async def test_an_install_left_readable_by_an_older_version_is_made_private_on_start(
    loose_umask, settings, aiohttp_server
):
    made = scrm(settings, "migrate")
    assert made.returncode == 0, made.stderr
    data_dir = settings.data_dir
    (data_dir / "session.key").write_bytes(Fernet.generate_key())
    for path in [data_dir, *data_dir.rglob("*")]:  # as a 0022 umask left them
        path.chmod(0o755 if path.is_dir() else 0o644)

    await aiohttp_server(create_app(settings, run_worker=False))
    # SQLite gives a new -wal the database file's mode, whatever the umask: the file must be 0600 by now.
    await connections.get("default").execute_query(
        "INSERT INTO wecom_token (key, value, expires_at) VALUES ('k', 'v', 0)"
    )
    assert (data_dir / "scrm.sqlite3-wal").exists()
    assert too_open(data_dir) == {}
