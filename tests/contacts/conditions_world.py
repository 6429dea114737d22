"""A few hundred follow relations with varied attributes, written through the models, and a brute-force
Python reading of every condition kind over the same rows: the specification the SQL must agree with."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.contacts import timeline
from bot.contacts.conditions.kinds import EVENT_TYPES, RADAR_EVENTS
from bot.contacts.models import (
    Customer,
    Department,
    FollowRelation,
    GroupChat,
    GroupMembership,
    Member,
    Tag,
    TagGroup,
    TimelineEvent,
)
from bot.followups.models import CustomerStage, Stage

TZ = "Asia/Shanghai"
START = datetime(2026, 3, 1, tzinfo=UTC)
DAYS = [(START + timedelta(days=d)).astimezone(ZoneInfo(TZ)).date() for d in range(0, 40, 3)]
# department tree: 1 > 2 > 3, 1 > 4
PARENTS = {1: None, 2: 1, 3: 2, 4: 1}
MEMBERS = {"m0": [1], "m1": [2], "m2": [3], "m3": [4], "m4": [2, 4], "m5": []}
TAGS = ["t0", "t1", "t2", "t3", "t4"]  # t5 exists but is deleted
STATES = ["", "官网", "展会", "50%_off"]
NAMES = ["王小明", "王丽", "Alice", "alice", "BOB", "李_雷", "100%", "韩梅梅", "", "o'Neil"]
TEXTS = ["", "老客户", "VIP", "vip", "50%", "a_b", "重要客户"]
CHATS = ["g0", "g1", "g2", "g3"]


@dataclass
class Row:
    id: int
    customer: str
    userid: str
    name: str
    remark: str
    description: str
    gender: int
    type: int
    add_time: datetime | None
    state: str
    tag_ids: list[str]
    status: str
    ended_at: datetime | None
    groups: set[str] = field(default_factory=set)  # chats the customer is in now
    events: list[tuple[str, datetime, int | None]] = field(default_factory=list)  # the customer's
    stage: int | None = None


async def seed(rng: random.Random, customers: int = 150) -> tuple[list[Row], list[int]]:
    """The rows as Python sees them, and the stage ids."""
    now = datetime.now(UTC)
    for d, parent in PARENTS.items():
        await Department.create(id=d, name=f"部门{d}", parent_id=parent, synced_at=now)
    await Department.create(id=9, name="已删除", parent_id=1, deleted=True, synced_at=now)
    for userid, depts in MEMBERS.items():
        await Member.create(
            userid=userid, name=userid, departments=depts, active=userid != "m5", synced_at=now
        )
    group = await TagGroup.create(group_id="grp", name="组", synced_at=now)
    for t in [*TAGS, "t5"]:
        await Tag.create(tag_id=t, group=group, name=t, deleted=t == "t5", synced_at=now)
    for chat in CHATS:
        await GroupChat.create(chat_id=chat, name=chat, owner="m0", synced_at=now)
    stages = [(await Stage.create(name=f"阶段{i}", order=i, created_at=now)).id for i in range(3)]

    def moment() -> datetime:
        return START + timedelta(minutes=rng.randrange(0, 40 * 24 * 60))

    rows: list[Row] = []
    relations, memberships, events, customer_stages = [], [], [], []
    for n in range(customers):
        ext = f"wm{n:04d}"
        c = await Customer.create(
            external_userid=ext,
            name=rng.choice(NAMES),
            gender=rng.choice((0, 1, 2)),
            type=rng.choice((1, 1, 2)),
            synced_at=now,
        )
        in_groups = set()
        for chat in rng.sample(CHATS, rng.randrange(0, 3)):
            left = rng.random() < 0.3
            memberships.append(GroupMembership(chat_id=chat, member_id=ext, type=2, join_time=moment(),
                                               left_at=moment() if left else None))  # fmt: skip
            if not left:
                in_groups.add(chat)
        if rng.random() < 0.1:  # a staff member's own stay never makes a customer a member
            memberships.append(GroupMembership(chat_id="g3", member_id=ext, type=1, join_time=moment()))
        history = []
        for _ in range(rng.randrange(0, 4)):
            kind = rng.choice([*EVENT_TYPES, timeline.REMARK_CHANGED])
            radar = rng.choice((1, 2, 3)) if kind in RADAR_EVENTS else None
            at = moment()
            history.append((kind, at, radar))
            payload = {"radar_id": radar, "title": "手册"} if radar else {"note": "x"}
            events.append(timeline.entry(ext, kind, at, userid="m0", payload=payload))
        for userid in rng.sample(sorted(MEMBERS), rng.randrange(1, 4)):
            status = rng.choice(("active", "active", "lost", "deleted"))
            row = Row(
                id=0, customer=ext, userid=userid, name=c.name, remark=rng.choice(TEXTS),
                description=rng.choice(TEXTS), gender=c.gender, type=c.type,
                add_time=moment() if rng.random() < 0.9 else None, state=rng.choice(STATES),
                tag_ids=rng.sample(TAGS, rng.randrange(0, 4)), status=status,
                ended_at=moment() if status != "active" else None, groups=in_groups, events=history,
                stage=rng.choice((None, *stages)),
            )  # fmt: skip
            rows.append(row)
            relations.append(
                FollowRelation(
                    customer_id=ext,
                    userid=userid,
                    remark=row.remark,
                    description=row.description,
                    add_time=row.add_time,
                    state=row.state,
                    tag_ids=row.tag_ids,
                    status=status,
                    ended_at=row.ended_at,
                    synced_at=now,
                )  # fmt: skip
            )
            if row.stage is not None:
                customer_stages.append(
                    CustomerStage(external_userid=ext, userid=userid, stage_id=row.stage, updated_at=now)
                )
    await FollowRelation.bulk_create(relations)
    await GroupMembership.bulk_create(memberships)
    await TimelineEvent.bulk_create(events)
    await CustomerStage.bulk_create(customer_stages)
    ids = {(r.customer_id, r.userid): r.id for r in await FollowRelation.all()}
    for row in rows:
        row.id = ids[(row.customer, row.userid)]
    return rows, stages


# ---- the brute-force reading of a tree ----


def bounds(node: dict) -> tuple[datetime | None, datetime | None]:
    def at(value, end: bool):
        if value is None:
            return None
        if len(value) == 10:
            day = date.fromisoformat(value) + timedelta(days=end)
            return datetime.combine(day, time.min, ZoneInfo(TZ))
        return datetime.fromisoformat(value)

    return at(node.get("from"), False), at(node.get("to"), True)


def within(moment: datetime | None, node: dict) -> bool:
    lo, hi = bounds(node)
    return moment is not None and (lo is None or moment >= lo) and (hi is None or moment < hi)


def below(ids: list[int], children: bool) -> set[int]:
    chosen = set(ids)
    while children and (more := {d for d, p in PARENTS.items() if p in chosen} - chosen):
        chosen |= more
    return chosen


def text_holds(row: Row, node: dict) -> bool:
    field = node.get("field", "any")
    values = {"name": [row.name], "remark": [row.remark], "description": [row.description]}
    values["any"] = [row.name, row.remark, row.description]
    cols, op, v = values[field], node.get("op", "contains"), node.get("value", "")
    if op in ("contains", "not_contains"):
        found = any(v.lower() in c.lower() for c in cols)
    elif op in ("equals", "not_equals"):
        found = any(c == v for c in cols)
    else:
        found = all(c == "" for c in cols)
    return not found if op.startswith("not_") else found


def holds(row: Row, node: dict) -> bool:
    if "kind" not in node:
        parts = [holds(row, item) for item in node["items"]]
        result = all(parts) if node["op"] == "and" else any(parts)
    else:
        result = condition_holds(row, node)
    return not result if node.get("not") else result


def condition_holds(row: Row, node: dict) -> bool:
    kind = node["kind"]
    if kind == "text":
        return text_holds(row, node)
    if kind == "owners":
        return row.userid in node["userids"]
    if kind == "departments":
        return bool(below(node["ids"], node.get("children", False)) & set(MEMBERS[row.userid]))
    if kind == "tags":
        match, wanted = node.get("match", "any"), set(node["tag_ids"])
        if match == "all":
            return wanted <= set(row.tag_ids)
        return bool(wanted & set(row.tag_ids)) != (match == "none")
    if kind == "added":
        return within(row.add_time, node)
    if kind == "channel":
        return row.state in node["states"]
    if kind == "gender":
        return row.gender in node["values"]
    if kind == "customer_type":
        return row.type in node["values"]
    if kind == "status":
        timed = "from" in node or "to" in node
        return row.status in node["values"] and (not timed or within(row.ended_at, node))
    if kind == "groups":
        return bool(row.groups & set(node["chat_ids"])) != (node.get("match", "any") == "none")
    if kind == "events":
        found = any(
            t in node["types"]
            and (("from" not in node and "to" not in node) or within(at, node))
            and ("radar_id" not in node or radar == node["radar_id"])
            for t, at, radar in row.events
        )
        return found != (node.get("match", "any") == "none")
    if kind == "stage":
        return (row.stage in node["stage_ids"]) != (node.get("match", "any") == "none")
    raise AssertionError(kind)


# ---- random trees ----


def random_condition(rng: random.Random, stages: list[int]) -> dict:
    kind = rng.choice(
        ["text", "owners", "departments", "tags", "added", "channel", "gender", "customer_type", "status",
         "groups", "events", "stage"]
    )  # fmt: skip
    node: dict = {"kind": kind}
    if rng.random() < 0.2:
        node["not"] = True
    some = lambda pool, most=3: rng.sample(pool, rng.randrange(1, min(most, len(pool)) + 1))  # noqa: E731
    if kind == "text":
        node["field"] = rng.choice(["any", "name", "remark", "description"])
        node["op"] = rng.choice(["contains", "not_contains", "equals", "not_equals", "empty", "not_empty"])
        if node["op"] not in ("empty", "not_empty"):
            node["value"] = rng.choice(["王", "a", "A", "%", "_", "vip", "老客户", "Alice", "50%", "'"])
    elif kind == "owners":
        node["userids"] = some(sorted(MEMBERS))
    elif kind == "departments":
        node.update(ids=some(sorted(PARENTS), 2), children=rng.random() < 0.5)
    elif kind == "tags":
        node.update(match=rng.choice(["any", "all", "none"]), tag_ids=some(TAGS))
    elif kind in ("added", "status"):
        lo, hi = sorted(rng.sample(range(len(DAYS)), 2))
        span = {"from": DAYS[lo].isoformat(), "to": DAYS[hi].isoformat()}
        if rng.random() < 0.3:
            span = {rng.choice(["from", "to"]): (START + timedelta(days=rng.randrange(40))).isoformat()}
        if kind == "status":
            node["values"] = some(["active", "lost", "deleted"], 2)
            span = span if rng.random() < 0.5 else {}
        node.update(span)
    elif kind == "channel":
        node["states"] = some(STATES, 2)
    elif kind == "gender":
        node["values"] = some([0, 1, 2], 2)
    elif kind == "customer_type":
        node["values"] = some([1, 2], 1)
    elif kind == "groups":
        node.update(match=rng.choice(["any", "none"]), chat_ids=some(CHATS, 2))
    elif kind == "events":
        radar = rng.random() < 0.3
        node.update(
            match=rng.choice(["any", "none"]), types=some(list(RADAR_EVENTS if radar else EVENT_TYPES))
        )
        if radar:
            node["radar_id"] = rng.choice((1, 2, 3))
        if rng.random() < 0.5:
            lo, hi = sorted(rng.sample(range(len(DAYS)), 2))
            node.update({"from": DAYS[lo].isoformat(), "to": DAYS[hi].isoformat()})
    elif kind == "stage":
        node.update(match=rng.choice(["any", "none"]), stage_ids=some(stages, 2))
    return node


def random_tree(rng: random.Random, stages: list[int], depth: int = 1) -> dict:
    items = []
    for _ in range(rng.randrange(1, 4)):
        if depth < 3 and rng.random() < 0.3:
            items.append(random_tree(rng, stages, depth + 1))
        else:
            items.append(random_condition(rng, stages))
    tree = {"op": rng.choice(["and", "or"]), "items": items}
    if rng.random() < 0.15:
        tree["not"] = True
    return tree
