"""The customer search as SQL: filters over follow relations joined with customers, on SQLite and PostgreSQL.

Written by hand because tags live in a JSON list per relation (any/all matching needs the database's JSON
functions) and because the list and both totals come from the same WHERE clause.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from tortoise import connections

from bot.store.db import is_postgres_connection


@dataclass(frozen=True)
class Conditions:
    """What a search asks for; empty fields do not filter. `userids` None means every follower."""

    userids: frozenset[str] | None = None
    text: str = ""
    owners: tuple[str, ...] = ()
    tag_ids: tuple[str, ...] = ()
    all_tags: bool = False
    added_from: datetime | None = None
    added_before: datetime | None = None
    states: tuple[str, ...] = ()
    genders: tuple[int, ...] = ()
    statuses: tuple[str, ...] = ()
    customer_types: tuple[int, ...] = field(default=())


class _Query:
    """Collects a WHERE clause and its parameters, marked the way the connection expects (? or $n)."""

    def __init__(self, postgres: bool):
        self.postgres = postgres
        self.params: list = []
        self.where: list[str] = []
        self.reads_customer = False  # a condition names a column of the customer table

    def on_customer(self, condition: str) -> None:
        self.reads_customer = True
        self.where.append(condition)

    def param(self, value) -> str:
        self.params.append(value)
        return f"${len(self.params)}" if self.postgres else "?"

    def among(self, column: str, values) -> None:
        condition = f"{column} IN ({', '.join(self.param(v) for v in values)})"
        self.on_customer(condition) if column.startswith("c.") else self.where.append(condition)


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _build(c: Conditions, postgres: bool) -> _Query:
    q = _Query(postgres)
    if c.userids is not None:
        q.among("r.userid", sorted(c.userids) or [""])
    if c.text:
        like = "ILIKE" if postgres else "LIKE"
        columns = ("c.name", "r.remark", "r.description")
        found = [f"{col} {like} {q.param(_like(c.text))} ESCAPE '\\'" for col in columns]
        q.on_customer(f"({' OR '.join(found)})")
    if c.owners:
        q.among("r.userid", c.owners)
    if c.tag_ids:
        if postgres:
            op = "?&" if c.all_tags else "?|"
            q.where.append(f"r.tag_ids {op} {q.param(list(c.tag_ids))}::text[]")
        else:
            marks = ", ".join(q.param(t) for t in c.tag_ids)
            if c.all_tags:
                q.where.append(
                    f"(SELECT COUNT(DISTINCT j.value) FROM json_each(r.tag_ids) j WHERE j.value IN ({marks}))"
                    f" = {len(set(c.tag_ids))}"
                )
            else:
                q.where.append(f"EXISTS (SELECT 1 FROM json_each(r.tag_ids) j WHERE j.value IN ({marks}))")
    if c.added_from is not None:
        q.where.append(f"r.add_time >= {q.param(c.added_from)}")
    if c.added_before is not None:
        q.where.append(f"r.add_time < {q.param(c.added_before)}")
    if c.states:
        q.among("r.state", c.states)
    if c.genders:
        q.among("c.gender", c.genders)
    if c.statuses:
        q.among("r.status", c.statuses)
    if c.customer_types:
        q.among("c.type", c.customer_types)
    return q


_RELATIONS = "FROM follow_relation r"
_JOINED = "FROM follow_relation r JOIN customer c ON c.external_userid = r.customer_id"


async def search(c: Conditions, *, limit: int, offset: int) -> tuple[int, int, list[int]]:
    """(matching relations, distinct customers among them, relation ids of the page newest-added first)."""
    conn = connections.get("default")
    q = _build(c, is_postgres_connection(conn))
    where = f"WHERE {' AND '.join(q.where)}" if q.where else ""
    # Every relation has its customer (foreign key): join only when a filter reads the customer's columns.
    source = _JOINED if q.reads_customer else _RELATIONS
    # Both totals in one pass: grouping by customer hashes, where COUNT(DISTINCT) sorts.
    counts = await conn.execute_query_dict(
        f"SELECT SUM(n) AS total, COUNT(*) AS dedup FROM"
        f" (SELECT COUNT(*) AS n {source} {where} GROUP BY r.customer_id) per_customer",
        q.params,
    )
    total, dedup = int(counts[0]["total"] or 0), int(counts[0]["dedup"])
    if not total or not limit or offset >= total:
        return total, dedup, []
    page = await conn.execute_query_dict(
        f"SELECT r.id {source} {where} ORDER BY r.add_time DESC NULLS LAST, r.id DESC"
        f" LIMIT {int(limit)} OFFSET {int(offset)}",
        q.params,
    )
    return total, dedup, [int(row["id"]) for row in page]
