"""Radars as the radar pages and beacons read them: kept in-process for a moment, forgotten on every save.

Every page open and every beacon burst needs its radar, and radars change rarely. A radar saved in this
process (an edit or a deletion through bot.radar.radars) is forgotten at once through tortoise's
post_save signal; one saved by another server process is read again after TTL seconds at the latest, less
than it takes a person to switch from the console to a phone and open the link.
"""

from __future__ import annotations

import time

from tortoise.signals import post_delete, post_save

from bot.radar.models import Radar

TTL = 2.0  # seconds
_MAX = 4096  # radars kept at most; the whole cache is dropped beyond it (a corp has far fewer)

_radars: dict[int, tuple[float, Radar | None]] = {}


async def radar(radar_id: int) -> Radar | None:
    """The radar (deleted ones too: their links say so), or None. Read-only: it is shared."""
    now = time.monotonic()
    kept = _radars.get(radar_id)
    if kept is not None and kept[0] > now:
        return kept[1]
    found = await Radar.get_or_none(id=radar_id)
    if len(_radars) >= _MAX:
        _radars.clear()
    _radars[radar_id] = (now + TTL, found)
    return found


def forget(radar_id: int | None = None) -> None:
    """Drop one radar (or all) so the next read sees the database."""
    if radar_id is None:
        _radars.clear()
    else:
        _radars.pop(radar_id, None)


@post_save(Radar)
async def _saved(sender, instance: Radar, created, using_db, update_fields) -> None:
    forget(instance.id)


@post_delete(Radar)
async def _deleted(sender, instance: Radar, using_db) -> None:
    forget(instance.id)
