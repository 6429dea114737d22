"""Reads of the mirror for people and integrations: customer search, detail, timeline, groups (with the
sidebar's group card), directory.

Every customer read takes a Viewer and goes through the access scope; something outside it reads as absent.
A relation dict is built in one place (`_relation`), which leaves out what the viewer may not read of a
colleague's relation (`scope.Visibility`); timeline events pass the same filter.
Results are plain dicts (datetimes left as datetimes) so the JSON API, the console and the sidebar share them.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.contacts import groups as group_service
from bot.contacts import scope, search, tags, timeline
from bot.contacts.conditions import ConditionError
from bot.contacts.directory import member_names as _member_names
from bot.contacts.models import Customer, Department, FollowRelation, GroupChat, GroupMembership, Member, Tag
from bot.contacts.scope import Viewer
from bot.contacts.search import Conditions as CustomerFilter

__all__ = ["CustomerFilter", "InvalidQuery", "Page", "list_customers"]


class InvalidQuery(ValueError):
    """A search names something that does not exist: `param` is the query parameter to blame, `values` what
    it named that is not there (the web layer words the refusal)."""

    def __init__(self, param: str, reason: str, values: tuple[str, ...] = (), message: str = ""):
        super().__init__(f"{param}: {reason}")
        self.param, self.reason, self.values = param, reason, values
        self.message = message or reason  # Chinese, naming the condition when it came from a tree


@dataclass(frozen=True)
class Page:
    total: int  # matching rows: one per (customer, staff member) relation
    dedup_total: int  # distinct customers among them
    items: list[dict[str, Any]]


def day_bounds(day, tz: str) -> tuple[datetime, datetime]:
    """The instants a calendar day starts and ends in the corp's time zone, in UTC."""
    start = datetime.combine(day, time.min, ZoneInfo(tz))
    return start.astimezone(UTC), (start + timedelta(days=1)).astimezone(UTC)


async def list_customers(viewer: Viewer, filters: CustomerFilter, *, limit: int, offset: int) -> Page:
    """One row per follow relation in scope matching the filters, in their order (newest added first)."""
    userids = await scope.visible_userids(viewer)
    scoped = dataclasses.replace(filters, userids=userids)
    try:
        total, dedup, ids = await search.search(scoped, limit=limit, offset=offset)
    except ConditionError as exc:
        raise InvalidQuery(exc.field, exc.reason, exc.values, exc.message) from None
    shown = scope.visibility(viewer, userids)
    rows = {r.id: r for r in await FollowRelation.filter(id__in=ids).prefetch_related("customer")}
    relations = [rows[i] for i in ids if i in rows]
    names = await _member_names({r.userid for r in relations})
    tag_names = await _tag_names({t for r in relations for t in r.tag_ids})
    items = [
        {
            **_customer(r.customer),
            "relation": _relation(r, names, tag_names, shown),
        }
        for r in relations
    ]
    return Page(total, dedup, items)


async def overview(viewer: Viewer, tz: str) -> dict[str, int]:
    """The console's headline figures, within the viewer's scope."""
    userids = await scope.visible_userids(viewer)
    everyone = CustomerFilter(userids=userids)
    relations, customers, _ = await search.search(everyone, limit=0, offset=0)
    active = dataclasses.replace(everyone, statuses=(FollowRelation.ACTIVE,))
    active_relations, active_customers, _ = await search.search(active, limit=0, offset=0)
    start, end = day_bounds(datetime.now(UTC).astimezone(ZoneInfo(tz)).date(), tz)
    in_scope = await scope.relations(viewer)
    return {
        "customers": customers,
        "relations": relations,
        "active_customers": active_customers,
        "active_relations": active_relations,
        "lost_relations": await in_scope.filter(status=FollowRelation.LOST).count(),
        "added_today": await in_scope.filter(add_time__gte=start, add_time__lt=end).count(),
        "lost_today": await in_scope.filter(
            status=FollowRelation.LOST, ended_at__gte=start, ended_at__lt=end
        ).count(),
        "groups": await (await scope.groups(viewer)).filter(dismissed=False).count(),
        "members": await Member.filter(active=True).count(),
        "tags": await Tag.filter(deleted=False).count(),
    }


async def customer_detail(viewer: Viewer, external_userid: str) -> dict[str, Any] | None:
    """Profile, every follow relation with its tags, and the groups the customer is in; None outside scope."""
    if not await scope.can_see_customer(viewer, external_userid):
        return None
    customer = await Customer.get(external_userid=external_userid)
    relations = await FollowRelation.filter(customer_id=external_userid).order_by("add_time", "id")
    names = await _member_names({r.userid for r in relations})
    tag_names = await _tag_names({t for r in relations for t in r.tag_ids})
    shown = await scope.visibility_for(viewer)
    stays = await GroupMembership.filter(member_id=external_userid, left_at__isnull=True).prefetch_related(
        "chat"
    )
    return {
        **_customer(customer),
        "corp_full_name": customer.corp_full_name,
        "position": customer.position,
        "unionid": customer.unionid,
        "lost_at": customer.lost_at,
        "first_added_at": customer.first_added_at,
        "relations": [_relation(r, names, tag_names, shown) for r in relations],
        "groups": [
            {
                "chat_id": s.chat.chat_id,
                "name": s.chat.name,
                "owner": s.chat.owner,
                "join_time": s.join_time,
                "join_scene": s.join_scene,
            }
            for s in stays
            if not s.chat.dismissed
        ],
    }


async def customer_timeline(
    viewer: Viewer, external_userid: str, *, types: tuple[str, ...], limit: int, offset: int
) -> tuple[int, list[dict[str, Any]]] | None:
    """The customer's timeline page, newest first, with staff names; None outside scope."""
    unknown = [t for t in types if t not in timeline.TYPES]
    if unknown:
        raise InvalidQuery("type", f"no such event type: {', '.join(unknown)}", tuple(unknown))
    if not await scope.can_see_customer(viewer, external_userid):
        return None
    total, events = await timeline.read(external_userid, types=types, limit=limit, offset=offset)
    names = await _member_names({e.userid for e in events if e.userid})
    shown = await scope.visibility_for(viewer)
    return total, [
        shown.event(
            {
                "id": e.id,
                "type": e.type,
                "occurred_at": e.occurred_at,
                "userid": e.userid,
                "staff_name": names.get(e.userid, ""),
                "payload": e.payload,
            }
        )
        for e in events
    ]


async def tag_groups() -> list[dict[str, Any]]:
    """Live corp tags by group, in WeCom's order."""
    return [
        {
            "group_id": g.group_id,
            "name": g.name,
            "order": g.order,
            "tags": [{"tag_id": t.tag_id, "name": t.name, "order": t.order} for t in g.live_tags],
        }
        for g in await tags.list_groups()
    ]


async def group_chats(
    viewer: Viewer, *, tz: str, include_dismissed: bool = False, limit: int, offset: int
) -> tuple[int, list[dict[str, Any]]]:
    """Groups owned by staff in scope, with member counts and today's joins and quits (seed 001's list)."""
    query = await scope.groups(viewer)
    if not include_dismissed:
        query = query.filter(dismissed=False)
    total = await query.count()
    chats: list[GroupChat] = await query.order_by("-create_time", "chat_id").offset(offset).limit(limit)
    start, end = day_bounds(datetime.now(UTC).astimezone(ZoneInfo(tz)).date(), tz)
    names = await _member_names({c.owner for c in chats})
    items = []
    for chat in chats:
        members = await GroupMembership.filter(chat_id=chat.chat_id, left_at__isnull=True).count()
        customers = await GroupMembership.filter(chat_id=chat.chat_id, left_at__isnull=True, type=2).count()
        joins, quits = await group_service.day_counts(chat.chat_id, start, end)
        items.append(
            {
                "chat_id": chat.chat_id,
                "name": chat.name,
                "owner": chat.owner,
                "owner_name": names.get(chat.owner, ""),
                "notice": chat.notice,
                "admins": chat.admins,
                "create_time": chat.create_time,
                "member_count": members,
                "customer_count": customers,
                "today_joins": joins,
                "today_quits": quits,
                "dismissed": chat.dismissed,
                "dismissed_at": chat.dismissed_at,
            }
        )
    return total, items


async def departments() -> list[dict[str, Any]]:
    rows = await Department.filter(deleted=False).order_by("parent_id", "-order", "id")
    return [{"id": d.id, "name": d.name, "parent_id": d.parent_id, "leaders": d.leaders} for d in rows]


async def members(*, include_inactive: bool = False) -> list[dict[str, Any]]:
    query = Member.all() if include_inactive else Member.filter(active=True)
    return [
        {
            "userid": m.userid,
            "name": m.name,
            "avatar": m.avatar,
            "position": m.position,
            "departments": m.departments,
            "main_department": m.main_department,
            "leads": m.leads,
            "active": m.active,
        }
        for m in await query.order_by("userid")
    ]


def _customer(c: Customer) -> dict[str, Any]:
    return {
        "external_userid": c.external_userid,
        "name": c.name,
        "avatar": c.avatar,
        "type": c.type,
        "gender": c.gender,
        "corp_name": c.corp_name,
        "lost": c.lost,
    }


def _relation(
    r: FollowRelation, names: dict[str, str], tag_names: dict[str, dict], shown: scope.Visibility
) -> dict[str, Any]:
    return shown.relation(
        {
            "userid": r.userid,
            "staff_name": names.get(r.userid, ""),
            "remark": r.remark,
            "description": r.description,
            "remark_corp_name": r.remark_corp_name,
            "remark_mobiles": r.remark_mobiles,
            "add_time": r.add_time,
            "add_way": r.add_way,
            "state": r.state,
            "status": r.status,
            "ended_at": r.ended_at,
            "tags": [{"tag_id": t, **tag_names.get(t, {"name": "", "group": ""})} for t in r.tag_ids],
        }
    )


async def _tag_names(tag_ids: set[str]) -> dict[str, dict[str, str]]:
    if not tag_ids:
        return {}
    rows = await Tag.filter(tag_id__in=tag_ids).prefetch_related("group")
    return {t.tag_id: {"name": t.name, "group": t.group.name} for t in rows}


async def group_card(viewer: Viewer, chat_id: str, tz: str) -> dict[str, Any] | None:
    """A customer group with today's joins and quits and the customers in it with their corp tags (as any
    follower whose tags the viewer reads tagged them); None when the group is outside the viewer's scope."""
    chat = await (await scope.groups(viewer)).filter(chat_id=chat_id).first()
    if chat is None:
        return None
    start, end = day_bounds(datetime.now(UTC).astimezone(ZoneInfo(tz)).date(), tz)
    joins, quits = await group_service.day_counts(chat_id, start, end)
    stays = await GroupMembership.filter(chat_id=chat_id, left_at__isnull=True).order_by("join_time", "id")
    ids = [s.member_id for s in stays if s.type == 2]
    names = dict(await Customer.filter(external_userid__in=ids).values_list("external_userid", "name"))
    tag_ids: dict[str, set[str]] = {}
    shown = await scope.visibility_for(viewer)
    relations = FollowRelation.filter(customer_id__in=ids, status=FollowRelation.ACTIVE)
    for ext, userid, tagged in await relations.values_list("customer_id", "userid", "tag_ids"):
        if shown.reads(userid, "tags"):
            tag_ids.setdefault(ext, set()).update(tagged or ())
    tag_names = dict(await Tag.filter(deleted=False).values_list("tag_id", "name"))
    staff = dict(await Member.all().values_list("userid", "name"))
    return {
        "chat_id": chat.chat_id,
        "name": chat.name,
        "owner_name": staff.get(chat.owner, chat.owner),
        "notice": chat.notice,
        "member_count": len(stays),
        "today_joins": joins,
        "today_quits": quits,
        "customers": [
            {
                "external_userid": s.member_id,
                "name": names.get(s.member_id) or s.nickname or "未添加的客户",
                "mirrored": s.member_id in names,
                "join_time": s.join_time,
                "tags": sorted(tag_names[t] for t in tag_ids.get(s.member_id, ()) if t in tag_names),
            }
            for s in stays
            if s.type == 2
        ],
    }
