"""Radar analytics as SQL aggregates over radar_visit and radar_send, on SQLite and PostgreSQL.

Written by hand so that every figure is one grouped pass in the database: a radar may have 100 000 visits,
and none of them is loaded into Python. Only a customer's visits count (external_userid not empty): the
seed says a non-friend's data cannot be counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from tortoise import connections

from bot.store.db import is_postgres_connection

# A customer's visits of the radar.
_FRIEND = "radar_id = ? AND external_userid <> ''"

# A share edge: a customer's visit through a link someone else shared (the parent's visitor differs).
_EDGE = (
    "radar_visit v JOIN radar_visit p ON p.id = v.parent_id"
    " WHERE v.radar_id = ? AND v.external_userid <> '' AND v.external_userid <> p.external_userid"
)


async def _rows(sql: str, params: list) -> list[dict]:
    """Runs a query written with ? marks. "GROUP BY ~" marks a grouping of share edges that SQLite should
    do with a temporary b-tree over the edges read in the visit index's order (a unary plus hides the column
    from the index): walking the (radar_id, external_userid, ...) index instead reads a visit's parent_id
    from the table at random, 3x slower at 20 000 edges. PostgreSQL plans this itself."""
    conn = connections.get("default")
    if is_postgres_connection(conn):
        parts = sql.replace("GROUP BY ~", "GROUP BY ").split("?")
        sql = parts[0] + "".join(f"${i}{part}" for i, part in enumerate(parts[1:], 1))
    else:
        sql = sql.replace("GROUP BY ~", "GROUP BY +")
    return await conn.execute_query_dict(sql, params)


def when(value) -> datetime | None:
    """A timestamp read by raw SQL: SQLite answers text, PostgreSQL a datetime."""
    if value is None or isinstance(value, datetime):
        return value if value is None or value.tzinfo else value.replace(tzinfo=UTC)
    parsed = datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _n(value) -> int:
    return int(value or 0)


async def totals(radar_id: int, day_start: datetime, day_end: datetime) -> tuple[dict[str, int], list[dict]]:
    """The radar's totals and, per level (a customer's lowest level on the radar), its people and those
    whose share brought a customer: one pass over the customers' visits, summed per level."""
    # IN (subquery) rather than a join: SQLite builds one index for the sharers instead of rescanning them.
    per_level = await _rows(
        "SELECT lvl AS level, COUNT(*) AS people, SUM(n) AS visits, SUM(t) AS time_sum,"
        " SUM(pmax) AS progress_sum, SUM(CASE WHEN pmax >= 50 THEN 1 ELSE 0 END) AS read_half,"
        " SUM(CASE WHEN pmax >= 100 THEN 1 ELSE 0 END) AS finished,"
        f" SUM(CASE WHEN external_userid IN (SELECT p.external_userid FROM {_EDGE}) THEN 1 ELSE 0 END)"
        " AS sharers"
        " FROM (SELECT external_userid, COUNT(*) AS n, SUM(duration) AS t, MAX(progress) AS pmax,"
        f" MIN(level) AS lvl FROM radar_visit WHERE {_FRIEND} GROUP BY external_userid) c"
        " GROUP BY lvl ORDER BY lvl",
        [radar_id, radar_id],
    )
    levels = [{k: _n(v) for k, v in row.items()} for row in per_level]
    today = await _rows(
        "SELECT COUNT(DISTINCT external_userid) AS visitors, COUNT(*) AS visits FROM radar_visit"
        f" WHERE {_FRIEND} AND opened_at >= ? AND opened_at < ?",
        [radar_id, day_start, day_end],
    )
    shared = await _rows(
        "SELECT COUNT(*) AS total, SUM(CASE WHEN first_at >= ? AND first_at < ? THEN 1 ELSE 0 END) AS today"
        f" FROM (SELECT v.external_userid, MIN(v.opened_at) AS first_at FROM {_EDGE}"
        " GROUP BY ~v.external_userid) s",
        [day_start, day_end, radar_id],
    )
    sends = await _rows("SELECT COUNT(*) AS n FROM radar_send WHERE radar_id = ?", [radar_id])
    t, s = today[0], shared[0]
    summed = {
        key: sum(row[key] for row in levels)
        for key in ("people", "visits", "time_sum", "progress_sum", "read_half", "finished", "sharers")
    }
    figures = {
        **summed,
        "visitors": summed["people"],
        "today_visitors": _n(t["visitors"]),
        "today_visits": _n(t["visits"]),
        "shared": _n(s["total"]),
        "today_shared": _n(s["today"]),
        "sends": _n(sends[0]["n"]),
    }
    return figures, [{k: row[k] for k in ("level", "people", "sharers")} for row in levels]


async def leaders(radar_id: int, limit: int = 10) -> tuple[list[dict], list[dict]]:
    """The customers with the most visits (then time) and with the most time on the page (then visits)."""
    top = int(limit)
    rows = await _rows(
        "WITH a AS (SELECT external_userid, COUNT(*) AS n, SUM(duration) AS t FROM radar_visit"
        f" WHERE {_FRIEND} GROUP BY external_userid),"
        " top AS (SELECT * FROM (SELECT 'visits' AS board, external_userid, n, t FROM a"
        f" ORDER BY n DESC, t DESC, external_userid LIMIT {top}) x UNION ALL"
        " SELECT * FROM (SELECT 'time' AS board, external_userid, n, t FROM a"
        f" ORDER BY t DESC, n DESC, external_userid LIMIT {top}) y)"
        " SELECT top.board, top.external_userid, top.n AS visits, top.t AS time, c.name, c.avatar"
        " FROM top LEFT JOIN customer c ON c.external_userid = top.external_userid",
        [radar_id],
    )
    by_visits = sorted(
        (r for r in rows if r["board"] == "visits"),
        key=lambda r: (-r["visits"], -r["time"], r["external_userid"]),
    )
    by_time = sorted(
        (r for r in rows if r["board"] == "time"),
        key=lambda r: (-r["time"], -r["visits"], r["external_userid"]),
    )
    return by_visits, by_time


@dataclass(frozen=True)
class CustomerFilter:
    """The customer analysis search: text in the customer's name or a staff remark, the sending member,
    and the range of the last visit (from inclusive, before exclusive, in UTC)."""

    text: str = ""
    userid: str = ""
    last_from: datetime | None = None
    last_before: datetime | None = None


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


async def customers(
    radar_id: int, f: CustomerFilter, limit: int | None, offset: int = 0, *, after: tuple | None = None
) -> tuple[int | None, list]:
    """(matching customers, one page of them newest visit first) with the analysis columns.

    The page is cut in SQL: the latest visit, the names and the customers each one brought are read for
    the page's rows only. `after` (a row's last_at and external_userid) starts the page after that row
    and skips the count (None): the export reads every customer that way, a chunk at a time. The latest
    visit is the one with the highest id: visits are recorded as their page opens."""
    params: list = [radar_id]
    joins, where = "", []
    if f.text:
        conn = connections.get("default")
        like = "ILIKE" if is_postgres_connection(conn) else "LIKE"
        joins += " LEFT JOIN customer cu ON cu.external_userid = a.external_userid"
        where.append(
            f"(cu.name {like} ? ESCAPE '\\' OR a.external_userid IN"
            f" (SELECT r.customer_id FROM follow_relation r WHERE r.remark {like} ? ESCAPE '\\'))"
        )
        params += [_like(f.text), _like(f.text)]
    if f.userid:  # 所属成员 is the latest visit's member
        joins += " JOIN radar_visit l ON l.id = a.last_id"
        where.append("l.userid = ?")
        params.append(f.userid)
    if f.last_from is not None:
        where.append("a.last_at >= ?")
        params.append(f.last_from)
    if f.last_before is not None:
        where.append("a.last_at < ?")
        params.append(f.last_before)
    if after is not None:
        where.append("(a.last_at < ? OR (a.last_at = ? AND a.external_userid > ?))")
        params += [after[0], after[0], after[1]]
    clause = f"WHERE {' AND '.join(where)}" if where else ""
    counted = ", COUNT(*) OVER () AS matched" if after is None else ""
    page = f"LIMIT {int(limit)} OFFSET {int(offset)}" if limit is not None else ""
    params.append(radar_id)
    rows = await _rows(
        "WITH a AS (SELECT external_userid, COUNT(*) AS visits, MIN(level) AS level,"
        f" MAX(opened_at) AS last_at, MAX(id) AS last_id FROM radar_visit WHERE {_FRIEND}"
        " GROUP BY external_userid),"
        f" pg AS (SELECT a.*{counted} FROM a{joins} {clause}"
        f" ORDER BY a.last_at DESC, a.external_userid {page})"
        " SELECT pg.*, l.userid, l.duration, l.progress, l.channel, cu.name, cu.avatar,"
        " m.name AS member_name, (SELECT COUNT(DISTINCT v.external_userid) FROM radar_visit p"
        " JOIN radar_visit v ON v.parent_id = p.id WHERE p.radar_id = ?"
        " AND p.external_userid = pg.external_userid AND v.external_userid <> ''"
        " AND v.external_userid <> p.external_userid) AS brought"
        " FROM pg JOIN radar_visit l ON l.id = pg.last_id"
        " LEFT JOIN customer cu ON cu.external_userid = pg.external_userid"
        " LEFT JOIN member m ON m.userid = l.userid ORDER BY pg.last_at DESC, pg.external_userid",
        params,
    )
    if after is not None:
        return None, rows
    if rows:
        return _n(rows[0]["matched"]), rows
    if offset:  # past the end: the count comes with the first row
        total, _ = await customers(radar_id, f, 1)
        return total, []
    return 0, []


async def staff(radar_id: int) -> list[dict]:
    """Per member who sent the radar: sends, level-1 customers, visits and customers of their chains."""
    return await _rows(
        "WITH s AS (SELECT userid, COUNT(*) AS sends FROM radar_send WHERE radar_id = ? GROUP BY userid),"
        " v AS (SELECT userid, COUNT(*) AS visits, COUNT(DISTINCT external_userid) AS visitors,"
        " COUNT(DISTINCT CASE WHEN level = 1 THEN external_userid END) AS direct"
        f" FROM radar_visit WHERE {_FRIEND} GROUP BY userid),"
        " u AS (SELECT userid FROM s UNION SELECT userid FROM v)"
        " SELECT u.userid, m.name, m.avatar, COALESCE(s.sends, 0) AS sends, COALESCE(v.direct, 0) AS direct,"
        " COALESCE(v.visits, 0) AS visits, COALESCE(v.visitors, 0) AS visitors"
        " FROM u LEFT JOIN s ON s.userid = u.userid LEFT JOIN v ON v.userid = u.userid"
        " LEFT JOIN member m ON m.userid = u.userid ORDER BY sends DESC, visits DESC, u.userid",
        [radar_id, radar_id],
    )


async def entry_visit(radar_id: int, external_userid: str) -> dict | None:
    """The customer's visit at their lowest level (the earliest of those): where their source path ends."""
    rows = await _rows(
        "SELECT id, path, userid, level FROM radar_visit WHERE radar_id = ? AND external_userid = ?"
        " ORDER BY level, opened_at, id LIMIT 1",
        [radar_id, external_userid],
    )
    return rows[0] if rows else None


async def share_tree(radar_id: int, external_userid: str, limit: int) -> list[dict]:
    """The customer's visits and every visit that descends from them through shares, with each parent's
    visitor (at most `limit` rows)."""
    return await _rows(
        "WITH RECURSIVE t(id) AS (SELECT id FROM radar_visit WHERE radar_id = ? AND external_userid = ?"
        " UNION SELECT v.id FROM radar_visit v JOIN t ON v.parent_id = t.id WHERE v.radar_id = ?)"
        " SELECT v.id, v.visitor_id, v.external_userid, v.opened_at, p.visitor_id AS parent_visitor,"
        " p.external_userid AS parent_external_userid"
        " FROM t JOIN radar_visit v ON v.id = t.id LEFT JOIN radar_visit p ON p.id = v.parent_id"
        f" ORDER BY v.id LIMIT {int(limit)}",
        [radar_id, external_userid, radar_id],
    )
