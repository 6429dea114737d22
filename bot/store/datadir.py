"""The data directory is its owner's only: 0700, and everything the server creates in it 0600 or 0700."""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

log = logging.getLogger(__name__)

# The SQLite file holds customer data and WeCom access tokens; the keys sign sessions and radar links.
PRIVATE_UMASK = 0o077


def make_private(data_dir: Path, *, create: bool = True) -> Path:
    """Set the process umask to 0o077 and create the data directory 0700 (`create`), tightening an existing
    one that others may read, as an older version or a looser umask left it.

    The umask is what covers every writer at once: SQLite creates its file and the -wal/-shm beside it
    itself, and keys, uploads and whatever comes later need no mode of their own to be private. Called
    where a process starts using the data directory (the app factory, opening the database, a key)."""
    os.umask(PRIVATE_UMASK)
    if create:
        data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    tighten(data_dir)
    return data_dir


def tighten(path: Path) -> None:
    """Take group and other permissions off an existing file or directory; a missing one is left alone.
    One we cannot change (not its owner) is logged, not fatal: the server still runs, and says why not."""
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            path.chmod(mode & ~0o077)
    except FileNotFoundError:
        return
    except OSError as exc:
        log.warning("%s is readable by other users and could not be made private: %s", path, exc.strerror)
