"""The corp directory: departments and staff members, mirrored from WeCom's address book."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tortoise.transactions import in_transaction

from bot.contacts import sessions
from bot.contacts.models import Department, Member

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DirectorySyncResult:
    departments: int
    members: int
    removed: int
    departments_changed: int = 0  # created, changed or deleted
    members_changed: int = 0  # added or changed


async def fetch_departments(wecom) -> list[dict[str, Any]]:
    return (await wecom.list_departments()).get("department", [])


async def fetch_directory(wecom) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Every department and every member visible to the app (user/list per department, merged)."""
    departments = await fetch_departments(wecom)
    users: dict[str, dict[str, Any]] = {}
    for dept in departments:
        for user in (await wecom.list_users(dept["id"])).get("userlist", []):
            users.setdefault(user["userid"], user)
    return departments, list(users.values())


async def apply_departments(departments: list[dict[str, Any]], now: datetime) -> int:
    """Upsert the listed departments and mark the others deleted; returns how many changed."""
    existing = {d.id: d for d in await Department.all()}
    changed = 0
    for d in departments:
        values = {
            "name": d.get("name", ""),
            "parent_id": d.get("parentid") or None,
            "order": int(d.get("order", 0)),
            "leaders": list(d.get("department_leader") or []),
            "deleted": False,
        }
        row = existing.get(int(d["id"]))
        if row is None or any(getattr(row, k) != v for k, v in values.items()):
            changed += 1
            await Department.update_or_create(id=int(d["id"]), defaults={**values, "synced_at": now})
    listed = [int(d["id"]) for d in departments] or [-1]
    changed += (
        await Department.filter(deleted=False).exclude(id__in=listed).update(deleted=True, synced_at=now)
    )
    return changed


async def apply_member(user: dict[str, Any], now: datetime) -> bool:
    """Upsert one member from a user/get or user/list record; True when it was new or changed."""
    departments = [int(d) for d in user.get("department") or []]
    flags = list(user.get("is_leader_in_dept") or [])
    leads = [d for d, flag in zip(departments, flags, strict=False) if flag]
    led_by_list = await Department.filter(id__in=departments or [-1]).values("id", "leaders")
    leads += [
        row["id"]
        for row in led_by_list
        if user["userid"] in (row["leaders"] or []) and row["id"] not in leads
    ]
    status = int(user.get("status", 1))
    values = {
        "name": user.get("name") or user["userid"],
        "avatar": user.get("avatar", ""),
        "position": user.get("position", ""),
        "departments": departments,
        "main_department": user.get("main_department") or (departments[0] if departments else None),
        "leads": sorted(leads),
        "status": status,
        "active": status in (1, 4),
    }
    row = await Member.get_or_none(userid=user["userid"])
    changed = row is None or any(getattr(row, k) != v for k, v in values.items())
    await Member.update_or_create(userid=user["userid"], defaults={**values, "synced_at": now})
    if not values["active"]:
        await sessions.end_all([user["userid"]])  # disabled or resigned: their logins end now
    return changed


async def remove_member(userid: str, now: datetime) -> int:
    """WeCom no longer has this member: keep the row for history, inactive, and end their logins."""
    await sessions.end_all([userid])
    return await Member.filter(userid=userid, active=True).update(active=False, synced_at=now)


async def apply_directory(
    departments: list[dict[str, Any]], users: list[dict[str, Any]]
) -> DirectorySyncResult:
    now = datetime.now(UTC)
    departments_changed = await apply_departments(departments, now)
    members_changed = 0
    for user in users:
        members_changed += await apply_member(user, now)
    listed = [u["userid"] for u in users] or [""]
    gone = await Member.filter(active=True).exclude(userid__in=listed).values_list("userid", flat=True)
    removed = await Member.filter(userid__in=gone or [""]).update(active=False, synced_at=now)
    await sessions.end_all(gone)
    return DirectorySyncResult(len(departments), len(users), removed, departments_changed, members_changed)


async def sync_directory(wecom) -> DirectorySyncResult:
    """Full directory sync: read everything, then one transaction."""
    departments, users = await fetch_directory(wecom)
    async with in_transaction():
        result = await apply_directory(departments, users)
    log.info(
        "directory sync: %d departments, %d members, %d no longer in WeCom",
        result.departments,
        result.members,
        result.removed,
    )
    return result


async def member_names(userids: set[str]) -> dict[str, str]:
    """userid -> name of the staff members among `userids` (removed members keep their name)."""
    if not userids:
        return {}
    return dict(await Member.filter(userid__in=userids).values_list("userid", "name"))
