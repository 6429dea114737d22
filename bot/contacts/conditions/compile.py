"""A condition tree as one parameterised SQL WHERE over `follow_relation r JOIN customer c`, on SQLite and
PostgreSQL, always AND-ed with the viewer's scope; and the search every customer list runs on it: both
totals (relations, distinct customers) and a page of relation ids.

This is the one place customer conditions become SQL: the console list, the API, saved segments, batch
tasks and exports all compile here.
"""

from __future__ import annotations

from tortoise import connections

from bot.contacts.conditions.model import Condition, Group, Node
from bot.store.db import is_postgres_connection


class Query:
    """Collects parameters, marked the way the connection expects (? or $n), for the predicates kinds
    write; `reads_customer` is set when one reads the customer table (the join is needed)."""

    def __init__(self, postgres: bool):
        self.postgres = postgres
        self.params: list = []
        self.reads_customer = False

    def param(self, value) -> str:
        self.params.append(value)
        return f"${len(self.params)}" if self.postgres else "?"

    def among(self, column: str, values) -> str:
        return f"{column} IN ({', '.join(self.param(v) for v in values)})"

    def contains(self, column: str, text: str) -> str:
        """`column` holds `text` literally (case-insensitive on PostgreSQL, ASCII-insensitive on SQLite)."""
        escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        like = "ILIKE" if self.postgres else "LIKE"
        return f"{column} {like} {self.param(f'%{escaped}%')} ESCAPE '\\'"

    def json_texts(self, column: str, alias: str) -> tuple[str, str]:
        """(a FROM item listing the elements of the JSON array in `column`, an element as text)."""
        if self.postgres:
            return f"jsonb_array_elements_text({column}) AS {alias}(v)", f"{alias}.v"
        return f"json_each({column}) AS {alias}", f"CAST({alias}.value AS TEXT)"

    def json_has(self, column: str, values, *, every: bool = False) -> str:
        """The JSON array of strings in `column` (NOT NULL) holds any (or every) one of `values`;
        index-friendly on PostgreSQL (?| and ?& can use a GIN index on the jsonb column)."""
        values = list(dict.fromkeys(values))
        if self.postgres:
            return f"{column} {'?&' if every else '?|'} {self.param(values)}::text[]"
        marks = ", ".join(self.param(v) for v in values)
        if every:
            return (
                f"(SELECT COUNT(DISTINCT j.value) FROM json_each({column}) j WHERE j.value IN ({marks}))"
                f" = {len(values)}"
            )
        return f"EXISTS (SELECT 1 FROM json_each({column}) j WHERE j.value IN ({marks}))"

    def json_field_is(self, column: str, key: str, value: int) -> str:
        """The JSON object in `column` has `key` equal to the whole number `value`."""
        if self.postgres:
            return f"({column}->>'{key}') = {self.param(str(value))}"
        return f"json_extract({column}, '$.{key}') = {self.param(value)}"


def predicate(node: Node, q: Query) -> str:
    """The node as one boolean SQL expression that is never NULL."""
    if isinstance(node, Condition):
        reads = node.kind.reads_customer
        q.reads_customer |= reads(node.value) if callable(reads) else reads
        sql = f"({node.kind.sql(node.value, q)})"
    elif isinstance(node, Group):
        if not node.items:
            sql = "(1=1)" if node.op == "and" else "(1=0)"
        else:
            sql = "(" + f" {node.op.upper()} ".join(predicate(i, q) for i in node.items) + ")"
    else:
        raise TypeError(f"not a condition node: {node!r}")
    return f"(NOT {sql})" if node.negate else sql


def where(tree: Node, visible: frozenset[str] | None, q: Query) -> str:
    """The WHERE clause (without the keyword) of `tree` within the scope `visible` (the staff whose
    relations may be read, None for all): the scope is part of the clause, never left to the caller."""
    parts = []
    if visible is not None:
        parts.append(q.among("r.userid", sorted(visible) or [""]))
    parts.append(predicate(tree, q))
    return " AND ".join(parts)


# sort key -> ORDER BY (r.id last: a stable order pages without repeats); "-" is descending
LAST_ACTIVE = "(SELECT MAX(t.occurred_at) FROM timeline_event t WHERE t.external_userid = r.customer_id)"
SORTS = {
    "-added": "r.add_time DESC NULLS LAST, r.id DESC",
    "added": "r.add_time ASC NULLS LAST, r.id ASC",
    "name": "c.name ASC, r.id ASC",
    "-name": "c.name DESC, r.id DESC",
    "-active": f"{LAST_ACTIVE} DESC NULLS LAST, r.id DESC",
    "active": f"{LAST_ACTIVE} ASC NULLS LAST, r.id ASC",
}
SORT_NAMES = {
    "-added": "添加时间从新到旧",
    "added": "添加时间从旧到新",
    "name": "客户昵称 A→Z",
    "-name": "客户昵称 Z→A",
    "-active": "最近动态从新到旧",
    "active": "最近动态从旧到新",
}

_RELATIONS = "FROM follow_relation r"
_JOINED = "FROM follow_relation r JOIN customer c ON c.external_userid = r.customer_id"


async def search(
    tree: Node, visible: frozenset[str] | None, *, sort: str = "-added", limit: int, offset: int
) -> tuple[int, int, list[int]]:
    """(matching relations, distinct customers among them, relation ids of the page in `sort` order)."""
    if sort not in SORTS:
        raise ValueError(f"no such sort: {sort}")
    conn = connections.get("default")
    q = Query(is_postgres_connection(conn))
    clause = where(tree, visible, q)
    # Every relation has its customer (foreign key): join only when a condition reads the customer.
    source = _JOINED if q.reads_customer else _RELATIONS
    # Both totals in one pass: grouping by customer hashes, where COUNT(DISTINCT) sorts.
    counts = await conn.execute_query_dict(
        f"SELECT SUM(n) AS total, COUNT(*) AS dedup FROM"
        f" (SELECT COUNT(*) AS n {source} WHERE {clause} GROUP BY r.customer_id) per_customer",
        q.params,
    )
    total, dedup = int(counts[0]["total"] or 0), int(counts[0]["dedup"])
    if not total or not limit or offset >= total:
        return total, dedup, []
    source = _JOINED if q.reads_customer or "c." in SORTS[sort] else _RELATIONS
    page = await conn.execute_query_dict(
        f"SELECT r.id {source} WHERE {clause} ORDER BY {SORTS[sort]} LIMIT {int(limit)} OFFSET {int(offset)}",
        q.params,
    )
    return total, dedup, [int(row["id"]) for row in page]


async def relation_ids(tree: Node, visible: frozenset[str] | None, *, after: int = 0, chunk: int = 1000):
    """Every matching relation id in id order, read in chunks (keyset paging): what batch tasks and exports
    walk without holding a million ids or paying for OFFSET."""
    conn = connections.get("default")
    while True:
        q = Query(is_postgres_connection(conn))
        clause = where(tree, visible, q)
        source = _JOINED if q.reads_customer else _RELATIONS
        rows = await conn.execute_query_dict(
            f"SELECT r.id {source} WHERE {clause} AND r.id > {q.param(after)}"
            f" ORDER BY r.id LIMIT {int(chunk)}",
            q.params,
        )
        ids = [int(row["id"]) for row in rows]
        if not ids:
            return
        yield ids
        after = ids[-1]
