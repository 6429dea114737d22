"""Keys the server makes for itself (generated once into the data directory, readable by its owner only),
and the one comparison of a presented secret with ours."""

from __future__ import annotations

import hmac
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


def same_secret(presented: str, expected: str) -> bool:
    """Whether a presented secret (a MAC, a token, an OAuth state) is ours, in constant time. Compared as
    UTF-8: hmac.compare_digest raises TypeError on a str with non-ASCII characters, which anyone can send,
    and surrogatepass keeps a lone surrogate from raising as it is encoded."""
    return hmac.compare_digest(
        presented.encode("utf-8", "surrogatepass"), expected.encode("utf-8", "surrogatepass")
    )
