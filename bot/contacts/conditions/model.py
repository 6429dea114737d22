"""The condition tree: its nodes, the registry of condition kinds, and parsing hostile JSON into a tree.

A node is a condition `{"kind": "tags", "match": "any", "tag_ids": [...]}` or a group
`{"op": "and"|"or", "items": [...]}`; either may carry `"not": true`. A group holds at most ten items
(seed 001: 最多可设置10个筛选条件) and groups nest at most three deep. Every refusal is an `InvalidInput`
whose Chinese message names the node by its path, e.g. "条件 2.1（企业标签）：找不到 etGONE".
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Union

from bot.contacts.conditions.fields import Fields, Refused
from bot.values import InvalidInput

MAX_ITEMS = 10  # items of one group
MAX_DEPTH = 3  # the outermost group is depth 1
MAX_CONDITIONS = 30  # in the whole tree: what one query may cost stays bounded
OPS = {"and": "且", "or": "或"}


@dataclass(frozen=True)
class Kind:
    """A kind of condition. `parse` reads the node's fields (awaiting the database to refuse what names
    nothing, e.g. a deleted tag) into a typed value; `sql` turns that value into one boolean SQL predicate
    over `follow_relation r` (and `customer c` when `reads_customer`), its values passed through `q.param`.
    The predicate must never be NULL (use COALESCE), so that negating it is exact."""

    name: str
    label: str  # what a person calls it, in every refusal
    parse: Callable[[Fields], Awaitable[Any]]
    sql: Callable[[Any, Any], str]  # (value, compile.Query) -> SQL
    # the predicate reads `customer c` (the join is needed): always, or as the value decides
    reads_customer: bool | Callable[[Any], bool] = False


_KINDS: dict[str, Kind] = {}


def register(kind: Kind) -> Kind:
    """Make a kind usable in trees. Packages above bot.contacts register theirs when imported (followups
    registers `stage`); later: custom fields, blacklist, score, points, orders, reach."""
    known = _KINDS.get(kind.name)
    if known is not None and known != kind:
        raise ValueError(f"condition kind {kind.name!r} is registered twice")
    _KINDS[kind.name] = kind
    return kind


def kinds() -> dict[str, Kind]:
    return dict(_KINDS)


@dataclass(frozen=True)
class Condition:
    kind: Kind
    value: Any
    negate: bool = False


@dataclass(frozen=True)
class Group:
    op: str  # and | or
    items: tuple[Node, ...]
    negate: bool = False


Node = Union[Condition, Group]  # noqa: UP007 (a runtime alias the dataclasses above refer to)
EVERYTHING = Group("and", ())


class ConditionError(InvalidInput):
    """A tree the parser refuses. `path` is the node's position ("2.1"; "" for the tree itself), `values`
    what the node named that does not exist; the message reads 条件 2.1（企业标签）：找不到 etGONE."""

    def __init__(self, path: str, label: str, reason: str, values: tuple[str, ...] = (), field="conditions"):
        # the tree itself is 筛选条件 (its kind, a group, goes without saying); a node is 条件 2.1（企业标签）
        where = f"条件 {path}（{label}）" if path and label else f"条件 {path}" if path else "筛选条件"
        super().__init__(field, f"{where}：{reason}")
        self.path, self.label, self.reason, self.values = path, label, reason, values


async def parse(raw: Any, *, tz: str) -> Node:
    """The tree a JSON value describes (already decoded), or ConditionError naming the first wrong node."""
    count = [0]
    return await _node(raw, "", 1, tz, count)


async def parse_condition(raw: dict[str, Any], *, tz: str, path: str = "") -> Condition:
    """One condition on its own (the simple filters of a list), refused like a node of a tree."""
    return await _condition(raw, path, tz)


async def _node(raw: Any, path: str, depth: int, tz: str, count: list[int]) -> Node:
    if not isinstance(raw, dict):
        raise ConditionError(path, "", "应为一个条件或条件组（JSON 对象）")
    if "kind" not in raw:  # a condition names its kind; a group has none (text conditions have an op too)
        return await _group(raw, path, depth, tz, count)
    count[0] += 1
    if count[0] > MAX_CONDITIONS:
        raise ConditionError(path, "", f"整个筛选最多 {MAX_CONDITIONS} 个条件")
    return await _condition(raw, path, tz)


async def _group(raw: dict[str, Any], path: str, depth: int, tz: str, count: list[int]) -> Group:
    label = "条件组"
    if depth > MAX_DEPTH:
        raise ConditionError(path, label, f"条件组最多嵌套 {MAX_DEPTH} 层")
    extra = sorted(str(k) for k in raw if k not in ("op", "items", "not"))
    if extra:
        raise ConditionError(path, label, f"不认识的字段 {'、'.join(extra)[:60]}")
    op, items = raw.get("op"), raw.get("items")
    if op not in OPS:
        raise ConditionError(path, label, "op 只能是 and（且）或 or（或）")
    if not isinstance(items, list):
        raise ConditionError(path, label, "items 应为条件的列表")
    if not items and path:
        raise ConditionError(path, label, "条件组不能为空")
    if len(items) > MAX_ITEMS:
        raise ConditionError(path, label, f"一组最多 {MAX_ITEMS} 个条件")
    negate = raw.get("not", False)
    if not isinstance(negate, bool):
        raise ConditionError(path, label, "not 只能是 true 或 false")
    prefix = f"{path}." if path else ""
    nodes = [await _node(item, f"{prefix}{i}", depth + 1, tz, count) for i, item in enumerate(items, 1)]
    return Group(op, tuple(nodes), negate)


async def _condition(raw: dict[str, Any], path: str, tz: str) -> Condition:
    name = raw.get("kind")
    kind = _KINDS.get(name) if isinstance(name, str) else None
    if kind is None:
        shown = name[:30] if isinstance(name, str) else ""
        raise ConditionError(path, "", f"不认识的条件类型“{shown}”" if shown else "kind 应为条件类型的名字")
    fields = Fields(raw, tz)
    try:
        negate = fields.flag("not")
        value = await kind.parse(fields)
        fields.finish()
    except Refused as exc:
        raise ConditionError(path or "1", kind.label, exc.reason, exc.values) from None
    return Condition(kind, value, negate)


def conditions_of(node: Node) -> list[Condition]:
    """Every condition of the tree, depth first."""
    if isinstance(node, Condition):
        return [node]
    return [c for item in node.items for c in conditions_of(item)]


def both(*nodes: Node) -> Node:
    """Nodes that must all hold, trees already parsed (the limits apply to what a person writes, not to
    the simple filters a list adds around it)."""
    kept = tuple(n for n in nodes if n != EVERYTHING)
    return kept[0] if len(kept) == 1 else Group("and", kept)
