"""Roles and access scope: who a viewer is, and the one rule that limits every customer read.

Seed 001's roles: an admin (管理员) sees every customer; a department admin (部门管理员) sees the customers
followed by the direct members of the departments they manage, not of sub-departments; staff see the
customers they follow themselves. Every customer, relation, timeline and group query goes through
`visible_userids`, now and in later features.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from bot.contacts import sessions
from bot.contacts.models import Customer, Department, FollowRelation, GroupChat, Member, RoleGrant
from bot.settings import AccessSettings

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
    managed = sorted({*access.department_admins.get(userid, ()), *member.leads})
    if managed:
        return Viewer(userid, DEPARTMENT_ADMIN, member.name, tuple(managed))
    return Viewer(userid, STAFF, member.name)


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
