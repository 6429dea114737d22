"""Radar visits: opening a radar page (level, source path, channel), and the key its beacons carry (the
beacons themselves: bot.radar.beacons)."""

from __future__ import annotations

import functools
import hashlib
import json
import logging
from dataclasses import dataclass, field
from datetime import datetime

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from bot.contacts.models import Customer, Member
from bot.radar import cache as radar_cache
from bot.radar import effects as radar_effects
from bot.radar import visitors as radar_visitors
from bot.radar.links import LinkSigner, RadarLink
from bot.radar.models import Radar, RadarVisit, RadarVisitor
from bot.radar.visitors import Known
from bot.store.group_commit import GroupCommit, lock_for_write
from bot.wecom.client import WeComClient
from bot.wecom.errors import WeComError

log = logging.getLogger(__name__)

VISIT_KIND = "visit"

OK, GONE, FRIENDS_ONLY = "ok", "gone", "friends_only"


@dataclass
class Opened:
    """What opening a link came to: a recorded visit (ok), a deleted radar (gone), or a friends-only radar
    and a visitor who is no friend of the corp (nothing recorded)."""

    outcome: str
    radar: Radar | None = None
    visit: NewVisit | None = None


async def open_visit(
    link: RadarLink,
    visitor: RadarVisitor | Known | int,
    *,
    ip: str,
    user_agent: str,
    now: datetime,
    writer: GroupCommit[Pending] | None = None,
) -> Opened | None:
    """Record the visit (through `writer`, the server's group commit, when given) and set off its effects;
    returns once both are committed. `visitor` may be the id a cookie names, read with the visit's burst
    (no query of its own on the page's path): None then says there is no such visitor."""
    radar = await radar_cache.radar(link.radar_id)
    if radar is None or radar.deleted_at is not None:
        return Opened(GONE, radar)
    if isinstance(visitor, int) and radar.friends_only:  # whether they are a friend needs them now
        visitor = await radar_visitors.known(visitor, link.recipient)
        if visitor is None:
            return None
    if isinstance(visitor, int):
        visitor_id, external_userid, recipient = visitor, "", link.recipient
    else:
        visitor_id, external_userid, recipient = visitor.id, visitor.external_userid, None
    if radar.friends_only and not (
        external_userid and await Customer.exists(external_userid=external_userid, lost=False)
    ):
        return Opened(FRIENDS_ONLY, radar)
    parent = await _parent(link, radar, visitor_id)
    visit = NewVisit(
        radar_id=radar.id,
        visitor_id=visitor_id,
        external_userid=external_userid,
        userid=link.userid,
        parent_id=parent.id if parent else None,
        level=parent.level + 1 if parent else 1,
        channel="share" if parent else "staff",
        opened_at=now,
        ip=ip[:64],
        user_agent=user_agent[:256],
    )
    new = (visit, radar, parent.path if parent else [], recipient)
    if writer is not None:
        recorded = await writer.submit(new)
    else:
        [recorded] = await write_visits([new])
    return Opened(OK, radar, visit) if recorded else None


@dataclass(slots=True, kw_only=True)
class NewVisit:
    """A visit being recorded: a RadarVisit's columns, without a model to build on every page open. The
    writer gives it its id and path."""

    radar_id: int
    visitor_id: int
    external_userid: str
    userid: str
    parent_id: int | None
    level: int
    channel: str
    opened_at: datetime
    ip: str
    user_agent: str
    id: int = 0
    path: list[int] = field(default_factory=list)


# the visit, its radar, its parent's path, and the link's recipient when the visitor is still to be read
Pending = tuple[NewVisit, Radar, list[int], str | None]


def visit_writer() -> GroupCommit[Pending]:
    """The server's group commit for visits: page opens arriving together share one transaction."""
    return GroupCommit(write_visits, name="radar-visits", max_batch=500)


_COLUMNS = (
    "id", "radar_id", "visitor_id", "external_userid", "userid", "parent_id", "level", "path", "channel",
    "opened_at", "ip", "user_agent", "duration", "progress", "shares",
)  # fmt: skip


async def write_visits(new: list[Pending]) -> list[bool]:
    """Read the visitors still to be read, insert the visits with their ids and source paths in one
    statement, then their effects (radar_effects.opened_many), all in one transaction. False for a visit
    whose visitor does not exist (nothing recorded)."""
    async with in_transaction() as connection:
        dialect = connection.capabilities.dialect
        await lock_for_write(connection, "radar_visit")
        unread = [(visit.visitor_id, recipient) for visit, _, _, recipient in new if recipient is not None]
        visitors = iter(await radar_visitors.known_many(connection, unread) if unread else [])
        recorded: list[bool] = []
        for visit, _, _, recipient in new:
            visitor = next(visitors) if recipient is not None else visit
            if visitor is not None:
                visit.external_userid = visitor.external_userid
            recorded.append(visitor is not None)
        kept = [item for item, ok in zip(new, recorded, strict=True) if ok]
        if dialect == "postgres":
            await _lock_customers(connection, kept)
        rows = []
        for (visit, _, parent_path, _), id in zip(
            kept, await _allocate_ids(connection, dialect, len(kept)), strict=True
        ):
            visit.id, visit.path = id, [*parent_path, id]
            rows.append([getattr(visit, c) for c in _COLUMNS[:7]] + [json.dumps(visit.path)]
                        + [getattr(visit, c) for c in _COLUMNS[8:12]] + [0, 0, 0])  # fmt: skip
        if rows:
            await connection.execute_many(_insert_sql(dialect), rows)
            await radar_effects.opened_many(
                [(visit, radar, visit.opened_at) for visit, radar, _, _ in kept], using_db=connection
            )
    return recorded


async def _lock_customers(connection: BaseDBAsyncClient, new: list[Pending]) -> None:
    """PostgreSQL: hold a transaction lock per (radar, customer) of the burst until it commits, so bursts
    committed side by side (by other server processes) that open the same radar for the same customer
    take turns, and the later one sees the earlier one's visit and alert: one first visit, one alert per
    window. Every burst takes its locks in one order, so two bursts never deadlock."""
    keys = {f"{radar.id}:{visit.external_userid}" for visit, radar, _, _ in new if visit.external_userid}
    if keys:
        hashes = sorted(
            {
                int.from_bytes(hashlib.blake2b(k.encode(), digest_size=8).digest(), "big", signed=True)
                for k in keys
            }
        )
        await connection.execute_query(
            "SELECT pg_advisory_xact_lock(key) FROM unnest($1::bigint[]) AS key", [hashes]
        )


async def _allocate_ids(connection: BaseDBAsyncClient, dialect: str, count: int) -> list[int]:
    """Ids for new visits, known before the insert so that each row carries its whole path at once."""
    if dialect == "postgres":  # the sequence hands out ids no other transaction gets, committed or not
        _, rows = await connection.execute_query(
            "SELECT nextval(pg_get_serial_sequence('radar_visit', 'id')) FROM generate_series(1, $1)", [count]
        )
        return sorted(row[0] for row in rows)
    # SQLite: the burst holds the write lock (lock_for_write), so no other process inserts between reading
    # the last id and our insert; AUTOINCREMENT never reuses an id, so ask its sequence too.
    _, rows = await connection.execute_query(
        "SELECT MAX(n) FROM (SELECT MAX(id) AS n FROM radar_visit "
        "UNION ALL SELECT seq FROM sqlite_sequence WHERE name = 'radar_visit')"
    )
    last = rows[0][0] or 0
    return list(range(last + 1, last + 1 + count))


@functools.lru_cache(maxsize=4)
def _insert_sql(dialect: str) -> str:
    if dialect == "postgres":
        marks = ", ".join(f"${i}" for i in range(1, len(_COLUMNS) + 1))
    else:
        marks = ", ".join("?" * len(_COLUMNS))
    return f"INSERT INTO radar_visit ({', '.join(_COLUMNS)}) VALUES ({marks})"


async def _parent(link: RadarLink, radar: Radar, visitor_id: int) -> RadarVisit | None:
    """The visit whose visitor shared this link. Opening one's own shared link (a reload in WeChat, where
    the address bar holds it) is opening the link one got oneself, not a share to oneself."""
    if link.parent_visit is None:
        return None
    parent = await RadarVisit.get_or_none(id=link.parent_visit, radar_id=radar.id)
    while parent is not None and parent.visitor_id == visitor_id:
        parent = await RadarVisit.get_or_none(id=parent.parent_id) if parent.parent_id else None
    return parent


def visit_key(signer: LinkSigner, visit: RadarVisit | NewVisit) -> str:
    """What the page's beacons carry: the visit and its visitor, sealed so no other visit can be named."""
    return signer.seal(VISIT_KIND, f"{visit.id}-{visit.visitor_id}")


def read_visit_key(signer: LinkSigner, key: str) -> tuple[int, int] | None:
    """(visit id, visitor id) of a genuine key, else None."""
    value = signer.unseal(VISIT_KIND, key)
    visit_id, _, visitor_id = (value or "").partition("-")
    return (int(visit_id), int(visitor_id)) if visit_id.isdigit() and visitor_id.isdigit() else None


async def advisor(wecom: WeComClient, userid: str) -> dict[str, str]:
    """The staff member a non-friend should add: name, avatar and a 联系我 QR code (state "radar", so adds
    through it are known to come from a radar page), made through WeCom on first need and kept on the
    member; without it (WeCom refused) the page names the staff member only."""
    member = await Member.get_or_none(userid=userid)
    card = {
        "userid": userid,
        "name": member.name if member else "",
        "avatar": member.avatar if member else "",
        "qr_code": member.radar_qr_code if member else "",
    }
    if member is None or card["qr_code"]:
        return card
    try:
        way = await wecom.add_contact_way(1, 2, user=[userid], state="radar", remark="雷达页面添加好友")
    except WeComError as exc:
        log.warning("no contact QR code for %s: %s", userid, exc)
        return card
    card["qr_code"] = str(way.get("qr_code", ""))
    await Member.filter(userid=userid).update(radar_qr_code=card["qr_code"])
    return card
