"""User actions on customers and corp tags: friendships made and broken, client edits, admin tag edits."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict
from typing import Any

from .. import events
from ..models import ContactWay, Customer
from .base import ActionError, ActionsBase

FAIL_REASONS = ("customer_refused", "customer_limit_exceed")


class ContactActions(ActionsBase):
    def customer_adds_member(
        self,
        userid: str,
        customer: str | Mapping[str, Any] | None = None,
        state: str | None = None,
        half: bool = False,
        add_way: int | None = None,
    ) -> dict[str, Any]:
        """A customer adds the member (scanning a contact way when `state` names its config_id or state).

        `customer`: None for a new random customer, an external_userid, or a profile dict for a new one.
        Emits add_external_contact (add_half_external_contact when `half`) with a fresh 20 s WelcomeCode,
        unless the member has an admin-configured welcome message.
        """
        self._member(userid, contact=True)
        way = self._find_way(state)
        state_value = way.state if way else (state or "")
        found = self._customer(customer)
        ext = found.external_userid
        previous = self.state.follows.get((userid, ext))
        if previous is not None and not previous.lost:
            raise ActionError(f"{userid!r} already follows {ext!r}")
        add_way = add_way if add_way is not None else (1 if way or state else 2)
        self.state.add_follow(userid, ext, add_way=add_way, state=state_value, oper_userid=ext)
        welcome_code = (
            None if userid in self.state.default_welcome else self.state.issue_welcome_code(userid, ext)
        )
        change_type = "add_half_external_contact" if half else "add_external_contact"
        self._contact_event(change_type, userid, ext, state=state_value or None, welcome_code=welcome_code)
        return {
            "change_type": change_type,
            "userid": userid,
            "external_userid": ext,
            "state": state_value,
            "add_way": add_way,
            "welcome_code": welcome_code,
            "customer": asdict(found),
        }

    def customer_deletes_member(self, userid: str, external_userid: str) -> dict[str, Any]:
        """The customer deletes the member: the member keeps the (now lost) relation; del_follow_user."""
        follow = self._follow(userid, external_userid)
        follow.lost = True
        self._contact_event("del_follow_user", userid, external_userid)
        return {"change_type": "del_follow_user", "userid": userid, "external_userid": external_userid}

    def announce_lost(self, userid: str, external_userid: str) -> dict[str, Any]:
        """Send del_follow_user for a relation the state already holds as lost: the callback WeCom sent
        when it happened, for a server that should have been listening then (the seeded demo corp)."""
        follow = self._follow(userid, external_userid, live=False)
        if not follow.lost:
            raise ActionError(f"{external_userid!r} has not deleted {userid!r}")
        self._contact_event("del_follow_user", userid, external_userid)
        return {"change_type": "del_follow_user", "userid": userid, "external_userid": external_userid}

    def member_deletes_customer(
        self, userid: str, external_userid: str, by_transfer: bool = False
    ) -> dict[str, Any]:
        """The member deletes the customer: the relation is gone; del_external_contact."""
        self._follow(userid, external_userid, live=False)
        del self.state.follows[(userid, external_userid)]
        source = "DELETE_BY_TRANSFER" if by_transfer else None
        self._contact_event("del_external_contact", userid, external_userid, source=source)
        return {"change_type": "del_external_contact", "userid": userid, "external_userid": external_userid}

    def member_edits_customer(
        self,
        userid: str,
        external_userid: str,
        remark: str | None = None,
        description: str | None = None,
        add_tags: Iterable[str] = (),
        remove_tags: Iterable[str] = (),
        remark_mobiles: Iterable[str] | None = None,
    ) -> dict[str, Any]:
        """The member edits remark/description/corp tags in the client: edit_external_contact.
        Editing only the remark mobiles fires no event (§2.2)."""
        follow = self._follow(userid, external_userid, live=False)
        add_tags, remove_tags = list(add_tags), list(remove_tags)
        for tag_id in [*add_tags, *remove_tags]:
            if tag_id not in self.state.tags or self.state.tags[tag_id].deleted:
                raise ActionError(f"no tag {tag_id!r}")
        before = (follow.remark, follow.description, list(follow.tag_ids))
        follow.remark = follow.remark if remark is None else remark
        follow.description = follow.description if description is None else description
        follow.tag_ids = [t for t in follow.tag_ids if t not in remove_tags]
        follow.tag_ids += [t for t in dict.fromkeys(add_tags) if t not in follow.tag_ids]
        if remark_mobiles is not None:
            follow.remark_mobiles = list(remark_mobiles)
        changed = before != (follow.remark, follow.description, follow.tag_ids)
        if changed:
            self._contact_event("edit_external_contact", userid, external_userid)
        return {"change_type": "edit_external_contact" if changed else None, "tag_ids": list(follow.tag_ids)}

    def transfer_fails(
        self, userid: str, external_userid: str, reason: str = "customer_refused"
    ) -> dict[str, Any]:
        """A customer transfer to `userid` (the takeover member) failed: transfer_fail with FailReason."""
        if reason not in FAIL_REASONS:
            raise ActionError(f"reason must be one of {FAIL_REASONS}")
        self._member(userid)
        self._contact_event("transfer_fail", userid, external_userid, fail_reason=reason)
        return {"change_type": "transfer_fail", "userid": userid, "external_userid": external_userid}

    def member_interacts(self, userid: str, external_userid: str) -> dict[str, Any]:
        """The member chats with the customer (no event); mass tasks go to the last-interacting follower."""
        follow = self._follow(userid, external_userid)
        follow.last_interaction = self.state.clock()
        return {"userid": userid, "external_userid": external_userid}

    def admin_sets_default_welcome(self, userid: str, enabled: bool = True) -> dict[str, Any]:
        """An admin-configured welcome for the member: add events then carry no WelcomeCode."""
        self._member(userid)
        (self.state.default_welcome.add if enabled else self.state.default_welcome.discard)(userid)
        return {"userid": userid, "default_welcome": enabled}

    def _find_way(self, state: str | None) -> ContactWay | None:
        if not state:
            return None
        ways = self.state.contact_ways
        return ways.get(state) or next((w for w in ways.values() if w.state == state), None)

    def _customer(self, customer: str | Mapping[str, Any] | None) -> Customer:
        if customer is None:
            return self.state.add_customer()
        if isinstance(customer, str):
            if customer not in self.state.customers:
                raise ActionError(f"no customer {customer!r}")
            return self.state.customers[customer]
        profile = dict(customer)
        existing = self.state.customers.get(profile.get("external_userid", ""))
        if existing is not None:
            return existing
        try:
            return self.state.add_customer(**profile)
        except TypeError as exc:
            raise ActionError(str(exc)) from None


class TagActions(ActionsBase):
    def admin_creates_tag(
        self, name: str, group_name: str | None = None, group_id: str | None = None, order: int = 0
    ) -> dict[str, Any]:
        """An admin adds a tag in the console. A new group emits create/tag_group, else create/tag."""
        state = self.state
        if group_id is not None:
            group = state.tag_groups.get(group_id)
            if group is None or group.deleted:
                raise ActionError(f"no tag group {group_id!r}")
        else:
            if not group_name:
                raise ActionError("group_name or group_id is required")
            group = next((g for g in state.live_groups() if g.group_name == group_name), None)
        if group is None:
            group = state.add_tag_group(str(group_name), [name])
            tag = state.tags_of_group(group.group_id)[0]
            tag.order = order
            self._tag_event("create", group.group_id, "tag_group")
        else:
            if any(t.name == name for t in state.tags_of_group(group.group_id)):
                raise ActionError(f"tag {name!r} already exists in {group.group_name!r}")
            tag = state.add_tag(group.group_id, name, order)
            self._tag_event("create", tag.id, "tag")
        return {"group_id": group.group_id, "tag_id": tag.id}

    def admin_updates_tag(self, id: str, name: str | None = None, order: int | None = None) -> dict[str, Any]:
        """Rename/reorder a tag or a tag group: update with TagType tag / tag_group."""
        kind = self._kind(id)
        item = self.state.tags[id] if kind == "tag" else self.state.tag_groups[id]
        if name is not None:
            setattr(item, "name" if kind == "tag" else "group_name", name)
        if order is not None:
            item.order = order
        self._tag_event("update", id, kind)
        return {"id": id, "tag_type": kind}

    def admin_deletes_tag(self, id: str) -> dict[str, Any]:
        """Delete a tag (or a whole group): delete with TagType; relations lose the tag."""
        kind = self._kind(id)
        if kind == "tag":
            self.state.delete_tag(id)
        else:
            self.state.delete_group(id)
        self._tag_event("delete", id, kind)
        return {"id": id, "tag_type": kind}

    def admin_shuffles_tags(
        self, group_id: str | None = None, order: Iterable[str] = (), strategy_id: str | None = None
    ) -> dict[str, Any]:
        """Reorder the tags of `group_id` (first = highest order); shuffle with Id (and StrategyId)."""
        ids = list(order)
        if group_id is not None:
            if self._kind(group_id) != "tag_group":
                raise ActionError(f"{group_id!r} is not a tag group")
            for rank, tag_id in enumerate(reversed(ids), start=1):
                if tag_id in self.state.tags and self.state.tags[tag_id].group_id == group_id:
                    self.state.tags[tag_id].order = rank
        self._emit(
            events.external_tag(
                self.corp_id, self.state.now(), "shuffle", group_id or "", strategy_id=strategy_id
            )
        )
        return {"id": group_id, "strategy_id": strategy_id}

    def _kind(self, item_id: str) -> str:
        if item_id in self.state.tags and not self.state.tags[item_id].deleted:
            return "tag"
        if item_id in self.state.tag_groups and not self.state.tag_groups[item_id].deleted:
            return "tag_group"
        raise ActionError(f"no tag or tag group {item_id!r}")

    def _tag_event(self, change_type: str, item_id: str, tag_type: str) -> None:
        self._emit(
            events.external_tag(self.corp_id, self.state.now(), change_type, item_id, tag_type=tag_type)
        )
