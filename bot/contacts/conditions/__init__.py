"""Customer conditions: one tree of conditions (且/或 groups of typed conditions) that the customer list,
saved segments, batch tasks, exports and later mass messages, reports and scoring all reuse, compiled to
one SQL WHERE within the viewer's scope.

model.py holds the tree, the kind registry and the parser; fields.py reads a node's fields; compile.py
writes SQL and runs the search; kinds.py the core kinds. Packages add kinds with `register(Kind(...))`.
"""

from bot.contacts.conditions import kinds as _core_kinds  # noqa: F401 (registers the core kinds)
from bot.contacts.conditions.compile import SORT_NAMES, SORTS, Query, relation_ids, search
from bot.contacts.conditions.fields import Fields, Refused, Span
from bot.contacts.conditions.model import (
    EVERYTHING,
    Condition,
    ConditionError,
    Group,
    Kind,
    Node,
    both,
    kinds,
    parse,
    parse_condition,
    register,
)

__all__ = [
    "EVERYTHING",
    "SORTS",
    "SORT_NAMES",
    "Condition",
    "ConditionError",
    "Fields",
    "Group",
    "Kind",
    "Node",
    "Query",
    "Refused",
    "Span",
    "both",
    "kinds",
    "parse",
    "parse_condition",
    "register",
    "relation_ids",
    "search",
]
