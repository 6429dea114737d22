"""Roles and access scope: who a viewer is, and the one rule that limits every customer read.

Seed 001's roles: an admin (管理员) sees every customer; a department admin (部门管理员) sees the customers
followed by the direct members of the departments they manage, not of sub-departments; staff see the
customers they follow themselves. Every customer, relation, timeline and group query goes through
`visible_userids`, now and in later features; what a viewer reads of a colleague's relation on a customer
they share is `Visibility`'s to say.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.contacts import sessions, timeline
from bot.contacts.models import Customer, Department, FollowRelation, GroupChat, Member, RoleGrant
from bot.settings import COLLEAGUE_RELATION_FIELDS, AccessSettings

ADMIN, DEPARTMENT_ADMIN, STAFF = "admin", "department_admin", "staff"
ROLE_NAMES = {ADMIN: "管理员", DEPARTMENT_ADMIN: "部门管理员", STAFF: "员工"}


@dataclass(frozen=True)
class Viewer:
    """Who is looking: a staff member with a role, or an API token (userid empty, the admin's view)."""

    userid: str
    role: str
    name: str = ""
    # departments a department admin manages (direct members only)
    departments: tuple[int, ...] = ()
    # what they read of relations outside their scope besides name, add time and status (Visibility)
    colleague_fields: tuple[str, ...] = ()

    @property
    def is_admin(self) -> bool:
        return self.role == ADMIN

    @property
    def role_name(self) -> str:
        return ROLE_NAMES[self.role]


def token_viewer(label: str = "API") -> Viewer:
    """An API token reads like an admin: integrations report on the whole corp."""
    return Viewer(userid="", role=ADMIN, name=label)


async def viewer_for(userid: str, access: AccessSettings) -> Viewer | None:
    """The viewer a WeCom userid is, or None when they are not (or no longer) an active staff member.

    Admins named in settings are admins even before the directory is synced; admins named in the console
    and department admins must be active members.
    """
    member = await Member.get_or_none(userid=userid)
    if userid in access.admins:
        return Viewer(userid, ADMIN, member.name if member else userid)
    if member is None or not member.active:
        return None
    if await RoleGrant.filter(userid=userid, role=RoleGrant.ADMIN).exists():
        return Viewer(userid, ADMIN, member.name)
    managed = tuple(sorted({*access.department_admins.get(userid, ()), *member.leads}))
    role = DEPARTMENT_ADMIN if managed else STAFF
    return Viewer(userid, role, member.name, managed, access.colleague_relation_fields)


async def visible_userids(viewer: Viewer) -> frozenset[str] | None:
    """The staff whose customers the viewer sees; None means everyone's (the admin's view).

    Former members stay in the set: their customers' history belongs to the department they were in.
    """
    if viewer.is_admin:
        return None
    if viewer.role == STAFF:
        return frozenset({viewer.userid})
    managed = set(viewer.departments)
    rows = await Member.all().values_list("userid", "departments")
    return frozenset({viewer.userid} | {u for u, depts in rows if managed.intersection(depts or ())})


async def relations(viewer: Viewer):
    """Follow relations the viewer may see (a queryset)."""
    userids = await visible_userids(viewer)
    query = FollowRelation.all()
    return query if userids is None else query.filter(userid__in=userids)


async def can_see_customer(viewer: Viewer, external_userid: str) -> bool:
    """True when the customer is in the viewer's scope; callers answer 404 otherwise, revealing nothing."""
    userids = await visible_userids(viewer)
    if userids is None:
        return await Customer.exists(external_userid=external_userid)
    return await FollowRelation.exists(customer_id=external_userid, userid__in=userids)


async def groups(viewer: Viewer):
    """Customer groups the viewer may see: those owned by staff in scope (a queryset)."""
    userids = await visible_userids(viewer)
    query = GroupChat.all()
    return query if userids is None else query.filter(owner__in=userids)


# -- what a viewer reads of a relation outside their scope ----------------------------------------------
#
# A customer in the scope may also be followed by colleagues outside it. In WeCom a member's remark,
# description, remark mobiles, remark company, tags and channel are their own. A viewer reads in full the
# relations of the staff in their scope (`visible_userids`); of any other relation the colleague's name, add
# time and status (with its date), plus what the admin lists in `access.colleague_relation_fields`. Relation
# dicts are built in one place (bot/contacts/reads.py) and pass through here with the timeline events that
# repeat those fields, so the API, the sidebar, the console and exports all read the same.

# What anyone who may see the customer reads of every relation: who follows them, since when, and how it went.
PUBLIC = frozenset({"userid", "staff_name", "add_time", "status", "ended_at"})
# A setting's name -> the relation dict's keys it opens ("channel" is the state and the add way together).
KEYS = {name: (name,) for name in COLLEAGUE_RELATION_FIELDS} | {"channel": ("state", "add_way")}

# Timeline payload keys that repeat a relation's keys, by event type: a colleague's remark change must not
# tell what their relation would not.
EVENT_KEYS: dict[str, dict[str, str]] = {
    timeline.REMARK_CHANGED: {
        "remark": "remark", "old_remark": "remark",
        "description": "description", "old_description": "description",
    },
    timeline.TAGS_ADDED: {"tag_ids": "tags", "names": "tags"},
    timeline.TAGS_REMOVED: {"tag_ids": "tags", "names": "tags"},
    timeline.ADDED: {"state": "state", "add_way": "add_way"},
}  # fmt: skip


@dataclass(frozen=True)
class Visibility:
    """Whose relations a viewer reads in full, and which keys of everyone else's.

    Keys are allowed, not denied: a key added to relation dicts later stays the member's own until this
    module says otherwise.
    """

    full: frozenset[str] | None  # staff whose relations the viewer reads in full; None: everyone's
    readable: frozenset[str]  # the keys read of everyone else's: PUBLIC and what the admin allows

    def reads_all(self, userid: str) -> bool:
        return self.full is None or userid in self.full

    def reads(self, userid: str, key: str) -> bool:
        """Whether the viewer reads this key of this member's relations."""
        return self.reads_all(userid) or key in self.readable

    def relation(self, values: dict[str, Any]) -> dict[str, Any]:
        """A relation dict without what the viewer may not read; `withheld` names the keys left out."""
        if self.reads_all(values["userid"]):
            return {**values, "withheld": []}
        shown = {k: v for k, v in values.items() if k in self.readable}
        return {**shown, "withheld": [k for k in values if k not in self.readable]}

    def event(self, values: dict[str, Any]) -> dict[str, Any]:
        """A timeline event dict whose payload keeps only what the viewer reads of its member's relation;
        `withheld` names the relation keys its payload left out."""
        if self.reads_all(values["userid"]):
            return {**values, "withheld": []}
        keys = EVENT_KEYS.get(values["type"], {})
        dropped = {k for k in values["payload"] if k in keys and keys[k] not in self.readable}
        return {
            **values,
            "payload": {k: v for k, v in values["payload"].items() if k not in dropped},
            "withheld": sorted({keys[k] for k in dropped}),
        }


def visibility(viewer: Viewer, userids: frozenset[str] | None) -> Visibility:
    """The viewer's Visibility, given their `visible_userids` (read once by the caller)."""
    allowed = {key for name in viewer.colleague_fields for key in KEYS[name]}
    return Visibility(userids, PUBLIC | allowed)


async def visibility_for(viewer: Viewer) -> Visibility:
    return visibility(viewer, await visible_userids(viewer))


async def grant_admin(userid: str, granted_by: str) -> bool:
    """Name an admin in the console; only an active staff member can be one (False otherwise)."""
    if not await Member.exists(userid=userid, active=True):
        return False
    await RoleGrant.update_or_create(
        userid=userid,
        defaults={"role": RoleGrant.ADMIN, "granted_by": granted_by, "granted_at": datetime.now(UTC)},
    )
    return True


async def revoke_admin(userid: str) -> bool:
    """Take the console-named admin role away; the member's logins end with it (False: held no such role)."""
    if not await RoleGrant.filter(userid=userid, role=RoleGrant.ADMIN).delete():
        return False
    await sessions.end_all([userid])
    return True


async def role_table(access: AccessSettings) -> dict[str, list[dict]]:
    """Who holds which role and why, for the console's roles page."""
    names = dict(await Member.all().values_list("userid", "name"))
    departments = dict(await Department.all().values_list("id", "name"))
    admins = [{"userid": u, "name": names.get(u, u), "source": "settings"} for u in access.admins]
    for grant in await RoleGrant.filter(role=RoleGrant.ADMIN).order_by("granted_at"):
        if grant.userid not in access.admins:
            admins.append(
                {
                    "userid": grant.userid,
                    "name": names.get(grant.userid, grant.userid),
                    "source": "console",
                    "granted_by": names.get(grant.granted_by, grant.granted_by),
                    "granted_at": grant.granted_at,
                }
            )
    managed: dict[str, dict[int, str]] = {}
    for member in await Member.filter(active=True):
        for dept in member.leads or ():
            managed.setdefault(member.userid, {})[dept] = "wecom"
    for userid, depts in access.department_admins.items():
        for dept in depts:
            managed.setdefault(userid, {}).setdefault(dept, "settings")
    department_admins = [
        {
            "userid": userid,
            "name": names.get(userid, userid),
            "departments": [
                {"id": d, "name": departments.get(d, str(d)), "source": source}
                for d, source in sorted(depts.items())
            ],
        }
        for userid, depts in sorted(managed.items())
    ]
    return {"admins": admins, "department_admins": department_admins}
