"""The sidebar's group card: a customer group as a viewer sees it, with today's joins and quits."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.contacts import groups, reads, scope
from bot.contacts.models import Customer, FollowRelation, GroupMembership, Member, Tag
from bot.contacts.scope import Viewer


async def group_card(viewer: Viewer, chat_id: str, tz: str) -> dict[str, Any] | None:
    """A customer group with today's joins and quits and the customers in it with their corp tags (as any
    follower whose tags the viewer reads tagged them); None when the group is outside the viewer's scope."""
    chat = await (await scope.groups(viewer)).filter(chat_id=chat_id).first()
    if chat is None:
        return None
    start, end = reads.day_bounds(datetime.now(UTC).astimezone(ZoneInfo(tz)).date(), tz)
    joins, quits = await groups.day_counts(chat_id, start, end)
    stays = await GroupMembership.filter(chat_id=chat_id, left_at__isnull=True).order_by("join_time", "id")
    ids = [s.member_id for s in stays if s.type == 2]
    names = dict(await Customer.filter(external_userid__in=ids).values_list("external_userid", "name"))
    tag_ids: dict[str, set[str]] = {}
    shown = await scope.visibility_for(viewer)
    relations = FollowRelation.filter(customer_id__in=ids, status=FollowRelation.ACTIVE)
    for ext, userid, tags in await relations.values_list("customer_id", "userid", "tag_ids"):
        if shown.reads(userid, "tags"):
            tag_ids.setdefault(ext, set()).update(tags or ())
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
