"""Keys the server makes for itself: generated once into the data directory, readable by its owner only."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path

from bot.store.datadir import make_private, tighten

log = logging.getLogger(__name__)


def data_key(data_dir: Path, name: str, generate: Callable[[], bytes]) -> bytes:
    """The key kept in `data_dir/name`, made with `generate` the first time. Two processes starting at once
    keep the first one written (O_EXCL), so every process signs with the same key."""
    path = data_dir / name
    if not path.exists():
        make_private(path.parent)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "wb") as fh:
                fh.write(generate())
            log.info("generated %s in %s", name, data_dir)
    else:
        tighten(path)  # a key an older version left readable by others
    return path.read_bytes().strip()
