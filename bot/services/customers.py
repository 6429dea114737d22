"""Customers and their follow relations, mirrored: the API is the truth, events say what changed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.models import Customer, FollowRelation, Tag
from bot.services import from_epoch, timeline
from bot.wecom.errors import NoRelation


@dataclass(frozen=True)
class Change:
    """What a callback said happened, for the relation of `userid` (None for a plain re-read)."""

    change_type: str = ""
    userid: str = ""
    occurred_at: datetime | None = None
    fail_reason: str = ""


async def fetch_customer(wecom, external_userid: str) -> dict[str, Any] | None:
    """`externalcontact/get` with every follow user, or None when no member in range follows them."""
    try:
        return await wecom.get_external_contact(external_userid)
    except NoRelation:
        return None


async def apply_customer(
    external_userid: str, data: dict[str, Any] | None, change: Change = Change()
) -> None:
    """Bring one customer and their relations in line with WeCom's answer and the event.

    WeCom still lists a relation after the customer deleted the member, so `del_follow_user` marks it
    lost and only an add event makes it active again; a relation WeCom stops listing was deleted.
    """
    now = datetime.now(UTC)
    when = change.occurred_at or now
    customer = await Customer.get_or_none(external_userid=external_userid)
    if data is None and customer is None:
        return  # never mirrored and gone from WeCom: nothing to keep
    if data is not None:
        customer = await _upsert_profile(external_userid, data.get("external_contact", {}), customer, now)
    listed = {f["userid"]: f for f in (data or {}).get("follow_user", [])}
    relations = {r.userid: r for r in await FollowRelation.filter(customer_id=external_userid)}
    for userid, follow in listed.items():
        await _apply_follow(customer, relations.get(userid), follow, change, when, now)
    # Read again: a del_follow_user can be the first we hear of a customer, and its relation is new here.
    relations = {r.userid: r for r in await FollowRelation.filter(customer_id=external_userid)}
    for userid, relation in relations.items():
        if userid not in listed and relation.status == FollowRelation.ACTIVE:
            await _end(relation, FollowRelation.DELETED, when, now)
    if change.change_type == "del_follow_user" and change.userid in relations:
        relation = relations[change.userid]
        if relation.status == FollowRelation.ACTIVE:
            await _end(relation, FollowRelation.LOST, when, now)
    if change.change_type == "transfer_fail":
        await timeline.record(
            external_userid, timeline.TRANSFER_FAILED, when, userid=change.userid,
            payload={"reason": change.fail_reason},
        )  # fmt: skip
    active = await FollowRelation.filter(customer_id=external_userid, status=FollowRelation.ACTIVE).exists()
    if customer.lost == active:  # the customer is lost exactly when no relation is active
        customer.lost, customer.lost_at = not active, (None if active else when)
        await customer.save(update_fields=["lost", "lost_at"])


async def _upsert_profile(external_userid: str, profile: dict[str, Any], customer, now: datetime) -> Customer:
    values = {
        "name": profile.get("name", ""),
        "avatar": profile.get("avatar", ""),
        "type": int(profile.get("type", 1)),
        "gender": int(profile.get("gender", 0)),
        "unionid": profile.get("unionid", ""),
        "corp_name": profile.get("corp_name", ""),
        "corp_full_name": profile.get("corp_full_name", ""),
        "position": profile.get("position", ""),
        "synced_at": now,
    }
    if customer is None:
        return await Customer.create(external_userid=external_userid, **values)
    customer.update_from_dict(values)
    await customer.save()
    return customer


async def _apply_follow(
    customer: Customer, relation, follow: dict[str, Any], change: Change, when, now
) -> None:
    userid = follow["userid"]
    tag_ids = [t["tag_id"] for t in follow.get("tags", []) if t.get("tag_id")]
    tag_names = {t["tag_id"]: t.get("tag_name", "") for t in follow.get("tags", []) if t.get("tag_id")}
    values = {
        "remark": follow.get("remark", ""),
        "description": follow.get("description", ""),
        "remark_corp_name": follow.get("remark_corp_name", ""),
        "remark_mobiles": list(follow.get("remark_mobiles") or []),
        "add_time": from_epoch(follow.get("createtime")),
        "add_way": int(follow.get("add_way", 0)),
        "state": follow.get("state", ""),
        "oper_userid": follow.get("oper_userid", ""),
        "tag_ids": tag_ids,
        "synced_at": now,
    }
    added_now = (
        change.change_type in ("add_external_contact", "add_half_external_contact")
        and change.userid == userid
    )
    channel = {"state": values["state"], "add_way": values["add_way"]}
    if relation is None:
        relation = await FollowRelation.create(customer=customer, userid=userid, **values)
        payload = channel if added_now else {**channel, "source": "sync"}
        await timeline.record(customer.external_userid, timeline.ADDED, when, userid=userid, payload=payload)
        if customer.first_added_at is None:
            customer.first_added_at = values["add_time"] or when
            await customer.save(update_fields=["first_added_at"])
        return
    if relation.status != FollowRelation.ACTIVE:
        if not added_now:
            return  # WeCom keeps listing a relation the customer left; only a new add revives it
        relation.status, relation.ended_at = FollowRelation.ACTIVE, None
        await timeline.record(
            customer.external_userid, timeline.ADDED, when, userid=userid, payload={**channel, "again": True}
        )
    elif (relation.remark, relation.description) != (values["remark"], values["description"]):
        await timeline.record(
            customer.external_userid, timeline.REMARK_CHANGED, when, userid=userid,
            payload={"remark": values["remark"], "description": values["description"],
                     "old_remark": relation.remark, "old_description": relation.description},
        )  # fmt: skip
    if relation.status == FollowRelation.ACTIVE:
        added = [t for t in tag_ids if t not in relation.tag_ids]
        removed = [t for t in relation.tag_ids if t not in tag_ids]
        if added or removed:
            # A removed tag is no longer in WeCom's answer: its name comes from the tag mirror.
            known = dict(await Tag.filter(tag_id__in=added + removed).values_list("tag_id", "name"))
            tag_names = {**known, **tag_names}
        for kind, ids in ((timeline.TAGS_ADDED, added), (timeline.TAGS_REMOVED, removed)):
            if ids:
                names = [tag_names.get(t, "") for t in ids]
                await timeline.record(
                    customer.external_userid,
                    kind,
                    when,
                    userid=userid,
                    payload={"tag_ids": ids, "names": names},
                )
    relation.update_from_dict(values)
    await relation.save()


async def _end(relation: FollowRelation, status: str, when: datetime, now: datetime) -> None:
    relation.status, relation.ended_at, relation.synced_at = status, when, now
    await relation.save(update_fields=["status", "ended_at", "synced_at"])
    kind = timeline.LOST if status == FollowRelation.LOST else timeline.DELETED_BY_STAFF
    await timeline.record(relation.customer_id, kind, when, userid=relation.userid)
