"""The customer list's simple filters (one field each, all AND-ed) and the search that runs them.

They are a condition tree like any other: each filter becomes one condition of bot.contacts.conditions,
parsed and compiled there, so the list, the API and saved segments share one meaning and one WHERE builder.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.contacts import conditions
from bot.contacts.conditions import EVERYTHING, ConditionError, Node


@dataclass(frozen=True)
class Conditions:
    """What a search asks for; empty fields do not filter. `userids` is the scope: None means every
    follower. `tree` is a parsed condition tree AND-ed with the simple filters."""

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
    tree: Node = EVERYTHING
    sort: str = "-added"


def _simple(c: Conditions) -> list[tuple[str, dict[str, Any]]]:
    """(query parameter, condition) for each filter that is set."""
    found: list[tuple[str, dict[str, Any]]] = []
    if c.text:
        found.append(("q", {"kind": "text", "field": "any", "op": "contains", "value": c.text}))
    if c.owners:
        found.append(("owner", {"kind": "owners", "userids": list(c.owners)}))
    if c.tag_ids:
        match = "all" if c.all_tags else "any"
        found.append(("tags", {"kind": "tags", "match": match, "tag_ids": list(c.tag_ids)}))
    if c.added_from is not None or c.added_before is not None:
        span = {"from": c.added_from, "to": c.added_before}
        param = "added_from" if c.added_from is not None else "added_to"
        found.append((param, {"kind": "added", **{k: v.isoformat() for k, v in span.items() if v}}))
    if c.states:
        found.append(("state", {"kind": "channel", "states": list(c.states)}))
    if c.genders:
        found.append(("gender", {"kind": "gender", "values": list(c.genders)}))
    if c.statuses:
        found.append(("status", {"kind": "status", "values": list(c.statuses)}))
    if c.customer_types:
        found.append(("type", {"kind": "customer_type", "values": list(c.customer_types)}))
    return found


async def tree_of(c: Conditions) -> Node:
    """The simple filters and the tree as one tree; a filter naming what does not exist (a deleted tag)
    is a ConditionError whose `field` is the filter's query parameter."""
    nodes = []
    for param, raw in _simple(c):
        try:
            nodes.append(await conditions.parse_condition(raw, tz="UTC"))
        except ConditionError as exc:
            raise ConditionError(exc.path, exc.label, exc.reason, exc.values, field=param) from None
    return conditions.both(*nodes, c.tree)


async def search(c: Conditions, *, limit: int, offset: int) -> tuple[int, int, list[int]]:
    """(matching relations, distinct customers among them, relation ids of the page in `c.sort` order)."""
    return await conditions.search(await tree_of(c), c.userids, sort=c.sort, limit=limit, offset=offset)
