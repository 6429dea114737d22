"""Customer conditions: whatever tree a person builds (each kind, each operator, 且/或 nesting, negations),
the database returns exactly the relations a plain reading of the tree picks, within the viewer's scope, on
SQLite and PostgreSQL; a malformed tree is refused in Chinese naming the node that is wrong."""

from __future__ import annotations

import json
import random

import pytest

from bot.contacts import conditions
from bot.contacts.conditions import ConditionError
from bot.followups import conditions as _stage_condition  # noqa: F401 (registers the stage kind)
from tests.contacts.conditions_world import TZ, holds, random_condition, random_tree, seed

TREES = 250


async def matching(tree: dict, visible=None, **kw) -> tuple[int, int, list[int]]:
    node = await conditions.parse(tree, tz=TZ)
    return await conditions.search(node, visible, limit=10_000, offset=0, **kw)


def expected(rows, tree, visible=None) -> tuple[int, int, set[int]]:
    chosen = [r for r in rows if holds(r, tree) and (visible is None or r.userid in visible)]
    return len(chosen), len({r.customer for r in chosen}), {r.id for r in chosen}


async def test_every_generated_tree_picks_what_a_plain_reading_picks(live_database):
    rng = random.Random(20260301)
    rows, stages = await seed(rng)
    assert len(rows) > 250
    kinds_seen, picked_some = set(), 0
    for _ in range(TREES):
        tree = random_tree(rng, stages)
        total, dedup, ids = await matching(tree)
        want_total, want_dedup, want_ids = expected(rows, tree)
        assert (total, dedup, set(ids)) == (want_total, want_dedup, want_ids), json.dumps(tree)
        picked_some += 0 < total < len(rows)
        kinds_seen |= {
            c.kind.name for c in conditions.model.conditions_of(await conditions.parse(tree, tz=TZ))
        }
    # each kind alone, every operator of it, and its negation
    for _ in range(400):
        node = random_condition(rng, stages)
        total, dedup, ids = await matching(node)
        assert (total, dedup, set(ids)) == expected(rows, node), json.dumps(node)
        kinds_seen.add(node["kind"])
    assert kinds_seen == set(conditions.kinds())
    assert picked_some > TREES // 3  # the trees are not all trivially everything or nothing


async def test_a_viewer_never_gets_a_relation_outside_their_scope_whatever_the_tree(live_database):
    rng = random.Random(7)
    rows, stages = await seed(rng, customers=80)
    for visible in (frozenset({"m1"}), frozenset({"m1", "m4"}), frozenset()):
        for _ in range(60):
            tree = random_tree(rng, stages)
            if rng.random() < 0.3:  # a tree that asks for other staff's customers outright
                tree = {"op": "or", "items": [*tree["items"], {"kind": "owners", "userids": ["m0", "m2"]}]}
            total, dedup, ids = await matching(tree, visible)
            assert (total, dedup, set(ids)) == expected(rows, tree, visible), json.dumps(tree)
            assert {r.userid for r in rows if r.id in set(ids)} <= visible


async def test_pages_follow_the_chosen_order_without_repeats(live_database):
    rows, _ = await seed(random.Random(3), customers=60)
    tree = {"op": "or", "items": [{"kind": "gender", "values": [1, 2]}, {"kind": "tags", "tag_ids": ["t1"]}]}
    total, _, everything = await matching(tree)
    newest = sorted(
        (r for r in rows if r.id in set(everything)),
        key=lambda r: (r.add_time is not None, r.add_time and r.add_time.timestamp(), r.id),
        reverse=True,
    )
    assert everything == [r.id for r in newest]  # newest added first, never-dated last
    node = await conditions.parse(tree, tz=TZ)
    for sort in conditions.SORTS:
        _, _, full = await conditions.search(node, None, sort=sort, limit=total, offset=0)
        paged = []
        for offset in range(0, total, 7):
            paged += (await conditions.search(node, None, sort=sort, limit=7, offset=offset))[2]
        assert paged == full and sorted(full) == sorted(everything), sort
    _, _, by_name = await conditions.search(node, None, sort="name", limit=total, offset=0)
    names = {r.id: r.name for r in rows}
    assert [names[i] for i in by_name][0] <= [names[i] for i in by_name][-1]
    walked = [i async for chunk in conditions.relation_ids(node, None, chunk=9) for i in chunk]
    assert walked == sorted(everything)


GONE = {"kind": "tags", "tag_ids": ["etGONE"]}


def one(condition: dict) -> dict:
    return {"op": "and", "items": [condition]}


REFUSED = [
    ([], "筛选条件：应为一个条件或条件组（JSON 对象）"),
    ({"op": "xor", "items": []}, "筛选条件：op 只能是 and（且）或 or（或）"),
    ({"op": "and", "items": [{"kind": "gender", "values": [1]}, {"op": "or", "items": [GONE]}]},
     "条件 2.1（企业标签）：找不到 etGONE"),
    (one({"kind": "tags", "tag_ids": ["t1", "t5"]}), "条件 1（企业标签）：找不到 t5"),
    ({"op": "and", "items": [{"kind": "gender", "values": [1]}] * 11},
     "筛选条件：一组最多 10 个条件"),
    (one({"op": "or", "items": [one({"op": "or", "items": [GONE]})]}),
     "条件 1.1.1（条件组）：条件组最多嵌套 3 层"),
    ({"op": "or", "items": [{"op": "and", "items": []}]}, "条件 1（条件组）：条件组不能为空"),
    (one({"kind": "colour"}), "条件 1：不认识的条件类型“colour”"),
    ({"op": "and", "items": [{"values": [1]}]}, "条件 1（条件组）：不认识的字段 values"),
    (one({"kind": 3}), "条件 1：kind 应为条件类型的名字"),
    (one({"kind": "gender", "values": [1], "colour": 1}), "条件 1（性别）：不认识的字段 colour"),
    (one({"kind": "gender", "values": [3]}), "条件 1（性别）：values 只能取 0（未知）、1（男）、2（女）"),
    ({"op": "and", "items": [{"kind": "added", "from": "2026-03-09", "to": "2026-03-01"}]},
     "条件 1（添加时间）：to 不能早于 from"),
    ({"op": "and", "items": [{"kind": "added", "from": "2026-03-09T08:00"}]},
     "条件 1（添加时间）：from 应为日期（2026-01-31）或带时区的时间（2026-01-31T08:00:00+08:00）"),
    (one({"kind": "added"}), "条件 1（添加时间）：from 和 to 至少填一个"),
    (one({"kind": "owners", "userids": ["m1", "nobody"]}), "条件 1（所属成员）：找不到 nobody"),
    (one({"kind": "departments", "ids": [9]}), "条件 1（所属部门）：找不到 9"),
    (one({"kind": "groups", "chat_ids": ["gX"]}), "条件 1（所在群聊）：找不到 gX"),
    (one({"kind": "stage", "stage_ids": [999]}), "条件 1（客户阶段）：找不到 999"),
    ({"op": "and", "items": [{"kind": "events", "types": ["joined_group"], "radar_id": 1}]},
     "条件 1（客户动态）：指定雷达时，types 只能是雷达动态"),
    (one({"kind": "text", "op": "contains"}), "条件 1（客户昵称/备注）：value 应为非空文字"),
    (one({"kind": "tags", "tag_ids": "t1"}), "条件 1（企业标签）：tag_ids 应为非空列表"),
    (one({"kind": "gender", "values": [True]}), "条件 1（性别）：values 的每一项应为整数"),
    ({"op": "and", "items": [{"kind": "gender", "values": [1], "not": "yes"}]},
     "条件 1（性别）：not 只能是 true 或 false"),
]  # fmt: skip


async def test_a_malformed_tree_is_refused_in_chinese_naming_the_node(live_database):
    await seed(random.Random(1), customers=3)
    for tree, message in REFUSED:
        with pytest.raises(ConditionError) as caught:
            await conditions.parse(tree, tz=TZ)
        assert caught.value.message == message, json.dumps(tree, ensure_ascii=False)
        assert caught.value.field == "conditions"
    many = {"op": "and", "items": [{"op": "or", "items": [{"kind": "gender", "values": [1]}] * 10}] * 4}
    with pytest.raises(ConditionError, match="^条件 4.1：整个筛选最多 30 个条件$"):
        await conditions.parse(many, tz=TZ)


def test_a_kind_registered_twice_under_one_name_is_a_mistake_caught_at_import():
    kind = conditions.kinds()["gender"]
    assert conditions.register(kind) is kind  # importing a module again changes nothing
    with pytest.raises(ValueError, match="registered twice"):
        conditions.register(conditions.Kind("gender", "性别", kind.parse, kind.sql))
