"""Customers and their follow relations, mirrored: the API is the truth, events say what changed.

One set of rules serves a callback (one customer with every follow user, from externalcontact/get) and a
sync page (batch/get_by_user: one record per customer and follow user). Both load the rows they touch in
one query per table, decide in memory, and write in bulk, so a page of 100 records costs a few queries.

WeCom's callbacks can arrive late and out of order, and its API lists a relation the customer left like a
live one, so a relation's status moves only by dated facts, through one rule (`_Writes.settle`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.contacts import timeline
from bot.contacts.models import Customer, FollowRelation, Tag, TimelineEvent
from bot.values import from_epoch
from bot.wecom.errors import NoRelation

PROFILE_FIELDS = ("name", "avatar", "type", "gender", "unionid", "corp_name", "corp_full_name", "position")
RELATION_FIELDS = (
    "remark", "description", "remark_corp_name", "remark_mobiles", "add_time", "add_way", "state",
    "oper_userid", "tag_ids",
)  # fmt: skip
ADD_EVENTS = ("add_external_contact", "add_half_external_contact")


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
) -> Counter[str]:
    """Bring one customer and their relations in line with WeCom's answer and the event; returns what
    changed.

    WeCom still lists a relation after the customer deleted the member, so `del_follow_user` marks it
    lost, and an add event or a newer createtime makes it active again; a relation WeCom stops listing
    was deleted. Each is a fact dated by the event's CreateTime, applied only if newer than the last.
    """
    w = _Writes()
    when = change.occurred_at or w.now
    listed = {f["userid"]: f for f in (data or {}).get("follow_user", [])}
    await w.load([external_userid], listed.values())
    customer = w.customers.get(external_userid)
    if data is None and customer is None:
        return w.changes  # never mirrored and gone from WeCom: nothing to keep
    if data is not None:
        customer = w.profile(external_userid, data.get("external_contact", {}))
    relations = dict(w.relations[external_userid])
    for follow in listed.values():
        w.follow(customer, follow, change, when)
    for userid, relation in relations.items():
        if userid not in listed:
            w.settle(relation, FollowRelation.DELETED, when)
    # All relations now, new ones included: a del_follow_user can be the first we hear of a customer.
    current = w.relations[external_userid]
    if change.change_type == "del_follow_user" and change.userid in current:
        w.settle(current[change.userid], FollowRelation.LOST, when)
    if change.change_type == "transfer_fail":
        w.event(
            external_userid, timeline.TRANSFER_FAILED, when, change.userid, {"reason": change.fail_reason}
        )
    w.settle_lost(customer, when)
    await w.flush()
    return w.changes


async def apply_page(records: Iterable[dict[str, Any]]) -> Counter[str]:
    """Apply one page of batch/get_by_user records ({external_contact, follow_info}); returns what changed.

    A page names some relations of a customer, not all of them, so nothing is ended here: relations no
    page confirmed during a sync are ended afterwards by `end_unconfirmed`.
    """
    records = list(records)
    w = _Writes()
    await w.load(
        {r["external_contact"]["external_userid"] for r in records}, [r["follow_info"] for r in records]
    )
    for record in records:
        contact = record["external_contact"]
        customer = w.profile(contact["external_userid"], contact)
        w.follow(customer, record["follow_info"], Change(), w.now)
    for customer in w.profiled.values():
        w.settle_lost(customer, w.now)
    await w.flush()
    return w.changes


async def end_unconfirmed(confirmed_since: datetime, limit: int = 1000) -> tuple[int, Counter[str]]:
    """End up to `limit` active relations no sync page confirmed since `confirmed_since`: WeCom no longer
    lists them anywhere, so staff deleted them. Returns (relations ended, changes); 0 when none are left."""
    stale = FollowRelation.filter(status=FollowRelation.ACTIVE, synced_at__lt=confirmed_since)
    rows = await stale.limit(limit).values_list("customer_id", "userid")
    if not rows:
        return 0, Counter()
    w = _Writes()
    await w.load({ext for ext, _ in rows})
    for ext, userid in rows:
        relation = w.relations[ext][userid]
        w.settle(relation, FollowRelation.DELETED, w.now)
        if relation.status == FollowRelation.ACTIVE:
            # A fact newer than this run keeps it (e.g. a re-add that reached us meanwhile); stamping it
            # seen keeps the run from picking it again.
            w.confirmed[id(relation)] = relation
    for ext in {ext for ext, _ in rows}:
        w.settle_lost(w.customers[ext], w.now)
    await w.flush()
    return len(rows), w.changes


def _tag_ids(follow: dict[str, Any]) -> list[str]:
    """Corp tag ids of externalcontact/get's follow_user (tags with names) or batch/get_by_user's
    follow_info (tag_id, ids only)."""
    if "tag_id" in follow:
        return list(follow["tag_id"])
    return [t["tag_id"] for t in follow.get("tags", []) if t.get("tag_id")]


def _relation_values(follow: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """A relation's fields from follow_user or follow_info, and the tag names WeCom gave."""
    tags = [t for t in follow.get("tags", []) if t.get("tag_id")]
    tag_ids = _tag_ids(follow)
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
    }
    return values, {t["tag_id"]: t.get("tag_name", "") for t in tags}


class _Writes:
    """The rows one apply touches, loaded at once, and what the rules decide: inserts, updates, rows only
    confirmed (synced_at), timeline entries, and the count of changes."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)
        self.customers: dict[str, Customer] = {}
        self.relations: dict[str, dict[str, FollowRelation]] = {}
        self.profiled: dict[str, Customer] = {}
        # keyed by id(): unsaved rows have no primary key yet, and tortoise compares rows by it
        self.new: dict[int, Customer | FollowRelation] = {}
        self.dirty: dict[int, Customer | FollowRelation] = {}
        self.confirmed: dict[int, FollowRelation] = {}
        self.events: list[TimelineEvent] = []
        self.tag_names: dict[str, str] = {}
        self.deleted_tags: set[str] = set()
        self.changes: Counter[str] = Counter()

    async def load(self, external_userids: Iterable[str], follows: Iterable[dict[str, Any]] = ()) -> None:
        ids = list(external_userids)
        self.customers = {c.external_userid: c for c in await Customer.filter(external_userid__in=ids)}
        self.relations = {ext: {} for ext in ids}
        for relation in await FollowRelation.filter(customer_id__in=ids):
            self.relations[relation.customer_id][relation.userid] = relation
        # An answer read before an admin deleted a tag still names it; the mirror never puts it back.
        named = {t for f in follows for t in _tag_ids(f)}
        if named:
            deleted = Tag.filter(tag_id__in=named, deleted=True)
            self.deleted_tags = set(await deleted.values_list("tag_id", flat=True))

    def event(self, ext: str, type: str, when: datetime, userid: str, payload: dict | None = None) -> None:
        self.events.append(timeline.entry(ext, type, when, userid=userid, payload=payload))

    def add(self, row: Customer | FollowRelation) -> None:
        self.new[id(row)] = row

    def touch(self, row: Customer | FollowRelation) -> None:
        if id(row) not in self.new:
            self.dirty[id(row)] = row
            self.confirmed.pop(id(row), None)

    def profile(self, external_userid: str, contact: dict[str, Any]) -> Customer:
        """The customer with WeCom's profile applied (once per apply; a customer may head many records)."""
        if external_userid in self.profiled:
            return self.profiled[external_userid]
        values = {
            "name": contact.get("name", ""),
            "avatar": contact.get("avatar", ""),
            "type": int(contact.get("type", 1)),
            "gender": int(contact.get("gender", 0)),
            "unionid": contact.get("unionid", ""),
            "corp_name": contact.get("corp_name", ""),
            "corp_full_name": contact.get("corp_full_name", ""),
            "position": contact.get("position", ""),
        }
        customer = self.customers.get(external_userid)
        if customer is None:
            customer = Customer(external_userid=external_userid, synced_at=self.now, **values)
            self.customers[external_userid] = customer
            self.add(customer)
            self.changes["customers_added"] += 1
        elif any(getattr(customer, k) != v for k, v in values.items()):
            customer.update_from_dict(values)
            self.touch(customer)
            self.changes["customers_updated"] += 1
        customer.synced_at = self.now
        self.profiled[external_userid] = customer
        return customer

    def follow(self, customer: Customer, follow: dict[str, Any], change: Change, when: datetime) -> None:
        """One relation as WeCom lists it: created, revived by an add event or a newer createtime, or
        updated (a lost relation too: staff still edit the remark of a customer who left them)."""
        ext, userid = customer.external_userid, follow["userid"]
        values, names = _relation_values(follow)
        values["tag_ids"] = [t for t in values["tag_ids"] if t not in self.deleted_tags]
        self.tag_names.update(names)
        added_now = change.change_type in ADD_EVENTS and change.userid == userid
        # WeCom's createtime: when the relation was last added, the time of what a read alone reveals
        added_at = values["add_time"] or when
        channel = {"state": values["state"], "add_way": values["add_way"]}
        relation = self.relations.setdefault(ext, {}).get(userid)
        if relation is None:
            relation = FollowRelation(customer_id=ext, userid=userid, synced_at=self.now, **values)
            self.relations[ext][userid] = relation
            self.add(relation)
            self.changes["relations_added"] += 1
            if added_now:
                self.event(ext, timeline.ADDED, when, userid, channel)
            else:
                self.event(ext, timeline.ADDED, added_at, userid, {**channel, "source": "sync"})
            if customer.first_added_at is None or added_at < customer.first_added_at:
                customer.first_added_at = added_at
                self.touch(customer)
        # The event first: at the same second it outranks the createtime it re-reads.
        if added_now:
            self.settle(relation, FollowRelation.ACTIVE, when, channel)
        self.settle(relation, FollowRelation.ACTIVE, added_at, {**channel, "source": "sync"}, createtime=True)
        if id(relation) in self.new:
            return
        if relation.status == FollowRelation.DELETED:
            return  # read before staff deleted the customer (a sync page applied late): nothing to take
        if (relation.remark, relation.description) != (values["remark"], values["description"]):
            self.event(
                ext, timeline.REMARK_CHANGED, when, userid,
                {"remark": values["remark"], "description": values["description"],
                 "old_remark": relation.remark, "old_description": relation.description},
            )  # fmt: skip
        added = [t for t in values["tag_ids"] if t not in relation.tag_ids]
        removed = [t for t in relation.tag_ids if t not in values["tag_ids"]]
        for kind, ids in ((timeline.TAGS_ADDED, added), (timeline.TAGS_REMOVED, removed)):
            if ids:  # names are filled in by flush(), from WeCom's answer or the tag mirror
                self.event(ext, kind, when, userid, {"tag_ids": ids, "names": []})
        relation.synced_at = self.now
        if any(getattr(relation, k) != v for k, v in values.items()):
            if id(relation) not in self.dirty:
                self.changes["relations_updated"] += 1
            relation.update_from_dict(values)
            self.touch(relation)
        elif id(relation) not in self.dirty:
            self.confirmed[id(relation)] = relation

    def settle(
        self,
        relation: FollowRelation,
        status: str,
        at: datetime,
        payload: dict | None = None,
        *,
        createtime=False,
    ) -> None:
        """The one ordering rule for every status change, from callbacks and sync alike: a fact applies
        only if it is newer than the newest applied (`status_at`), so a late callback never undoes what
        happened after it. Times compare by the second, as WeCom gives them; at the same second an event
        wins over what came before it, but a follow's `createtime` (only when the relation began) yields,
        for anything else that second happened after the add.

        Any status can become active again (payload: the channel for the timeline); only an active
        relation ends, lost (the customer left) or deleted (staff deleted the customer)."""
        if relation.status_at is not None:
            fact, known = int(at.timestamp()), int(relation.status_at.timestamp())
            if fact < known or (fact == known and createtime):
                return
        if status == relation.status or FollowRelation.ACTIVE not in (status, relation.status):
            if status == relation.status and relation.status_at != at:
                relation.status_at = at  # the same status, known as of a later time
                self.touch(relation)
            return
        relation.status, relation.status_at, relation.synced_at = status, at, self.now
        self.touch(relation)
        if status == FollowRelation.ACTIVE:
            relation.ended_at = None
            self.changes["relations_added"] += 1
            self.event(
                relation.customer_id, timeline.ADDED, at, relation.userid, {**(payload or {}), "again": True}
            )
            return
        relation.ended_at = at
        self.changes["relations_ended"] += 1
        kind = timeline.LOST if status == FollowRelation.LOST else timeline.DELETED_BY_STAFF
        self.event(relation.customer_id, kind, at, relation.userid)

    def settle_lost(self, customer: Customer, when: datetime) -> None:
        """A customer is lost exactly when none of their relations is active."""
        active = any(
            r.status == FollowRelation.ACTIVE for r in self.relations[customer.external_userid].values()
        )
        if customer.lost == active:
            customer.lost, customer.lost_at = not active, (None if active else when)
            self.touch(customer)

    async def flush(self) -> None:
        customers = [r for r in self.new.values() if isinstance(r, Customer)]
        if customers:
            await Customer.bulk_create(customers)
        relations = [r for r in self.new.values() if isinstance(r, FollowRelation)]
        if relations:
            await FollowRelation.bulk_create(relations)
        touched_customers = [r for r in self.dirty.values() if isinstance(r, Customer)]
        if touched_customers:
            fields = [*PROFILE_FIELDS, "lost", "lost_at", "first_added_at", "synced_at"]
            await Customer.bulk_update(touched_customers, fields)
        # Rows seen again unchanged: one UPDATE stamps the time WeCom last confirmed them.
        confirmed = [
            ext for ext, c in self.profiled.items() if id(c) not in self.new and id(c) not in self.dirty
        ]
        if confirmed:
            await Customer.filter(external_userid__in=confirmed).update(synced_at=self.now)
        if self.confirmed:
            ids = [r.id for r in self.confirmed.values()]
            await FollowRelation.filter(id__in=ids).update(synced_at=self.now)
        touched_relations = [r for r in self.dirty.values() if isinstance(r, FollowRelation)]
        if touched_relations:
            fields = [*RELATION_FIELDS, "status", "status_at", "ended_at", "synced_at"]
            await FollowRelation.bulk_update(touched_relations, fields)
        if self.events:
            await self._name_tags()
            await TimelineEvent.bulk_create(self.events)

    async def _name_tags(self) -> None:
        """A removed tag is no longer in WeCom's answer, and batch/get_by_user gives ids only: names come
        from WeCom where it gave them, else from the tag mirror (one query)."""
        tagged = [e for e in self.events if e.type in (timeline.TAGS_ADDED, timeline.TAGS_REMOVED)]
        wanted = {t for e in tagged for t in e.payload["tag_ids"]} - set(self.tag_names)
        if wanted:
            known = dict(await Tag.filter(tag_id__in=wanted).values_list("tag_id", "name"))
            self.tag_names = {**known, **self.tag_names}
        for e in tagged:
            e.payload["names"] = [self.tag_names.get(t, "") for t in e.payload["tag_ids"]]


async def customer_label(external_userid: str, userid: str) -> str:
    """The customer's WeChat name, after the staff member's remark when they gave one: 老客户（孙悟空）.
    A customer the staff member does not follow goes by their name alone."""
    relation = await FollowRelation.get_or_none(customer_id=external_userid, userid=userid).prefetch_related(
        "customer"
    )
    if relation is None:
        customer = await Customer.get_or_none(external_userid=external_userid)
        return customer.name if customer and customer.name else external_userid
    name = relation.customer.name or external_userid
    return f"{relation.remark}（{name}）" if relation.remark and relation.remark != name else name
