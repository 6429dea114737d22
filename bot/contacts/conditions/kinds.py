"""The core condition kinds: what the mirror itself knows about a follow relation and its customer.

Each kind reads its fields (refusing what names nothing: a deleted tag, an unknown staff member) and writes
one predicate over `follow_relation r` / `customer c`, preferring EXISTS subqueries and plain column
comparisons an index can serve. Domain packages add their own kinds through `register` (followups: stage).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.contacts import timeline
from bot.contacts.conditions.compile import Query
from bot.contacts.conditions.fields import Fields, Refused, Span
from bot.contacts.conditions.model import Kind, register
from bot.contacts.models import Department, FollowRelation, GroupChat, Member, Tag

TEXT_FIELDS = {"any": "昵称、备注或描述", "name": "客户昵称", "remark": "备注", "description": "描述"}
TEXT_COLUMNS = {"name": ("c.name",), "remark": ("r.remark",), "description": ("r.description",)}
TEXT_COLUMNS["any"] = TEXT_COLUMNS["name"] + TEXT_COLUMNS["remark"] + TEXT_COLUMNS["description"]
# seed 001's six operators for a field's text (custom fields will reuse them)
TEXT_OPS = {
    "contains": "包含",
    "not_contains": "不包含",
    "equals": "等于",
    "not_equals": "不等于",
    "empty": "为空",
    "not_empty": "不为空",
}
MATCH_TAGS = {"any": "含任一", "all": "含全部", "none": "都不含"}
MATCH_IN = {"any": "在任一", "none": "都不在"}
GENDERS = {0: "未知", 1: "男", 2: "女"}
CUSTOMER_TYPES = {1: "微信用户", 2: "企业微信用户"}
STATUSES = {FollowRelation.ACTIVE: "未流失", FollowRelation.LOST: "已流失", FollowRelation.DELETED: "已删除"}


def exists(match: str, table: str, where: str) -> str:
    """A row of `table` (with its alias) meets `where` for the relation; negated for "none" of a match."""
    found = f"EXISTS (SELECT 1 FROM {table} WHERE {where})"
    return f"NOT {found}" if match == "none" else found


def known(given: tuple, found) -> None:
    """Refuse the values of `given` that are not in `found`, naming them (找不到 etGONE)."""
    found = set(found)
    missing = tuple(str(v) for v in given if v not in found)
    if missing:
        shown = "、".join(missing[:5]) + (" 等" if len(missing) > 5 else "")
        raise Refused(f"找不到 {shown}", missing)


def within(column: str, span: Span, q: Query) -> str:
    """`column` (a time) lies in the span; never NULL (a NULL time lies in no span)."""
    parts = [f"{column} IS NOT NULL"]
    if span.start is not None:
        parts.append(f"{column} >= {q.param(span.start)}")
    if span.end is not None:
        parts.append(f"{column} < {q.param(span.end)}")
    return " AND ".join(parts)


# text: {"kind": "text", "field": "any", "op": "contains", "value": "王"}
@dataclass(frozen=True)
class Text:
    field: str
    op: str
    value: str


async def _text(f: Fields) -> Text:
    field = f.choice("field", TEXT_FIELDS, default="any")
    op = f.choice("op", TEXT_OPS, default="contains")
    return Text(field, op, "" if op in ("empty", "not_empty") else f.text("value"))


def _text_sql(v: Text, q: Query) -> str:
    columns = TEXT_COLUMNS[v.field]
    if v.op in ("contains", "not_contains"):
        found = " OR ".join(q.contains(col, v.value) for col in columns)
    elif v.op in ("equals", "not_equals"):
        found = " OR ".join(f"{col} = {q.param(v.value)}" for col in columns)
    else:  # empty: every one of the columns (the "any" field is empty when all three are)
        found = " AND ".join(f"{col} = ''" for col in columns)
    return f"NOT ({found})" if v.op.startswith("not_") else found


def _text_reads_customer(v: Text) -> bool:
    return "c.name" in TEXT_COLUMNS[v.field]


# owners: {"kind": "owners", "userids": ["zhangsan", "lisi"]}
async def _owners(f: Fields) -> tuple[str, ...]:
    userids = f.strings("userids")
    known(userids, await Member.filter(userid__in=userids).values_list("userid", flat=True))
    return userids


# departments: {"kind": "departments", "ids": [2, 3], "children": true}: the relation's staff member is in
# one of them (or, with children, in one of their sub-departments)
async def _departments(f: Fields) -> tuple[int, ...]:
    ids = f.ints("ids")
    children = f.flag("children")
    rows = await Department.filter(deleted=False).values_list("id", "parent_id")
    known(ids, (i for i, _ in rows))
    chosen = set(ids)
    while children:
        below = {i for i, parent in rows if parent in chosen} - chosen
        if not below:
            break
        chosen |= below
    return tuple(sorted(chosen))


def _departments_sql(ids: tuple[int, ...], q: Query) -> str:
    marks = ", ".join(q.param(str(i)) for i in ids)
    elements, element = q.json_texts("m.departments", "d")
    return f"EXISTS (SELECT 1 FROM member m, {elements} WHERE m.userid = r.userid AND {element} IN ({marks}))"


# tags: {"kind": "tags", "match": "any"|"all"|"none", "tag_ids": [...]}: the relation's corp tags
@dataclass(frozen=True)
class Tags:
    match: str
    tag_ids: tuple[str, ...]


async def _tags(f: Fields) -> Tags:
    match = f.choice("match", MATCH_TAGS, default="any")
    tag_ids = f.strings("tag_ids")
    known(tag_ids, await Tag.filter(tag_id__in=tag_ids, deleted=False).values_list("tag_id", flat=True))
    return Tags(match, tag_ids)


def _tags_sql(v: Tags, q: Query) -> str:
    found = q.json_has("r.tag_ids", v.tag_ids, every=v.match == "all")
    return f"NOT ({found})" if v.match == "none" else found


# added: {"kind": "added", "from": "2026-01-01", "to": "2026-01-31"}
async def _span(f: Fields) -> Span:
    span = f.span()
    if span.start is None and span.end is None:
        raise Refused("from 和 to 至少填一个")
    return span


# channel: {"kind": "channel", "states": ["官网", ""]}: the contact way's state the customer came by
async def _states(f: Fields) -> tuple[str, ...]:
    return f.strings("states", allow_blank=True)


async def _genders(f: Fields) -> tuple[int, ...]:
    return f.ints("values", GENDERS)


async def _customer_types(f: Fields) -> tuple[int, ...]:
    return f.ints("values", CUSTOMER_TYPES)


# status: {"kind": "status", "values": ["lost"], "from": ..., "to": ...}: churn status, and when it
# happened (ended_at) when a range is given
@dataclass(frozen=True)
class Status:
    values: tuple[str, ...]
    span: Span


async def _status(f: Fields) -> Status:
    values = f.strings("values")
    if any(v not in STATUSES for v in values):
        raise Refused("values 只能取 " + "、".join(f"{k}（{n}）" for k, n in STATUSES.items()))
    return Status(values, f.span())


def _status_sql(v: Status, q: Query) -> str:
    sql = q.among("r.status", v.values)
    if v.span != Span():
        sql += f" AND {within('r.ended_at', v.span, q)}"
    return sql


# groups: {"kind": "groups", "match": "any"|"none", "chat_ids": [...]}: the customer is (not) in any of
# these group chats now (a stay not yet left)
@dataclass(frozen=True)
class Groups:
    match: str
    chat_ids: tuple[str, ...]


async def _groups(f: Fields) -> Groups:
    match = f.choice("match", MATCH_IN, default="any")
    chat_ids = f.strings("chat_ids")
    known(chat_ids, await GroupChat.filter(chat_id__in=chat_ids).values_list("chat_id", flat=True))
    return Groups(match, chat_ids)


def _groups_sql(v: Groups, q: Query) -> str:
    in_chat = "g.member_id = r.customer_id AND g.type = 2 AND g.left_at IS NULL AND " + q.among(
        "g.chat_id", v.chat_ids
    )
    return exists(v.match, "group_membership g", in_chat)


# events: {"kind": "events", "types": ["radar_opened"], "from": ..., "to": ..., "radar_id": 12,
# "match": "any"|"none"}: the customer's timeline has (or has not) such an event in the range
EVENT_TYPES = {
    timeline.ADDED: "添加员工",
    timeline.LOST: "删除员工",
    timeline.DELETED_BY_STAFF: "被员工删除",
    timeline.RADAR_OPENED: "打开雷达",
    timeline.RADAR_READ: "读完雷达",
    timeline.RADAR_SHARED: "转发雷达",
    timeline.JOINED_GROUP: "加入群聊",
    timeline.LEFT_GROUP: "退出群聊",
    timeline.FOLLOW_UP: "跟进记录",
    timeline.STAGE_CHANGED: "客户阶段变更",
    timeline.TAGS_ADDED: "打标签",
    timeline.TAGS_REMOVED: "移除标签",
}
RADAR_EVENTS = (timeline.RADAR_OPENED, timeline.RADAR_READ, timeline.RADAR_SHARED)


@dataclass(frozen=True)
class Events:
    match: str
    types: tuple[str, ...]
    span: Span
    radar_id: int | None


async def _events(f: Fields) -> Events:
    match = f.choice("match", {"any": "有", "none": "没有"}, default="any")
    types = f.strings("types")
    if any(t not in EVENT_TYPES for t in types):
        raise Refused("types 只能取 " + "、".join(f"{k}（{n}）" for k, n in EVENT_TYPES.items()))
    radar_id = f.positive_int("radar_id")
    if radar_id is not None and not set(types) <= set(RADAR_EVENTS):
        raise Refused("指定雷达时，types 只能是雷达动态")
    return Events(match, types, f.span(), radar_id)


def _events_sql(v: Events, q: Query) -> str:
    parts = [
        "t.external_userid = r.customer_id",
        q.among("t.type", v.types),
        within("t.occurred_at", v.span, q) if v.span != Span() else "",
        q.json_field_is("t.payload", "radar_id", v.radar_id) if v.radar_id is not None else "",
    ]
    return exists(v.match, "timeline_event t", " AND ".join(p for p in parts if p))


def _among(column: str):
    return lambda values, q: q.among(column, values)


CORE = (
    Kind("text", "客户昵称/备注", _text, _text_sql, reads_customer=_text_reads_customer),
    Kind("owners", "所属成员", _owners, _among("r.userid")),
    Kind("departments", "所属部门", _departments, _departments_sql),
    Kind("tags", "企业标签", _tags, _tags_sql),
    Kind("added", "添加时间", _span, lambda span, q: within("r.add_time", span, q)),
    Kind("channel", "添加渠道", _states, _among("r.state")),
    Kind("gender", "性别", _genders, _among("c.gender"), reads_customer=True),
    Kind("status", "流失状态", _status, _status_sql),
    Kind("customer_type", "客户类型", _customer_types, _among("c.type"), reads_customer=True),
    Kind("groups", "所在群聊", _groups, _groups_sql),
    Kind("events", "客户动态", _events, _events_sql),
)
for _kind in CORE:
    register(_kind)
