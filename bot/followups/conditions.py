"""The customer stage as a customer condition: {"kind": "stage", "match": "any"|"none", "stage_ids": [1, 2]}
holds when the relation's staff member has (not) put the customer in one of these stages.

Registered when this module is imported; the web layer imports it with the customer search.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.contacts.conditions import Fields, Kind, Query, register
from bot.contacts.conditions.kinds import MATCH_IN, exists, known
from bot.followups.models import Stage


@dataclass(frozen=True)
class Stages:
    match: str
    stage_ids: tuple[int, ...]


async def _parse(f: Fields) -> Stages:
    match = f.choice("match", MATCH_IN, default="any")
    stage_ids = f.ints("stage_ids")
    # a deleted stage still holds the customers left in it, so it may still be asked for
    known(stage_ids, await Stage.filter(id__in=stage_ids).values_list("id", flat=True))
    return Stages(match, stage_ids)


def _sql(v: Stages, q: Query) -> str:
    relation = "cs.external_userid = r.customer_id AND cs.userid = r.userid"
    return exists(v.match, "customer_stage cs", f"{relation} AND {q.among('cs.stage_id', v.stage_ids)}")


STAGE = register(Kind("stage", "客户阶段", _parse, _sql))
