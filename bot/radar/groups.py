"""Radar groups (雷达分组, seed 002): named, ordered by hand, shown to chosen departments."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tortoise.functions import Count

from bot.contacts.models import Department, Member
from bot.radar.models import Radar, RadarGroup
from bot.store import ordering
from bot.values import InvalidInput

NAME_MAX = 20


class RadarGroupError(InvalidInput):
    """A radar group change the service refuses."""


async def list_groups() -> list[dict[str, Any]]:
    """Every group in its order, with its live radars counted and its departments named."""
    groups = await RadarGroup.all().order_by("order", "id")
    counts = dict(
        await Radar.filter(deleted_at__isnull=True)
        .annotate(n=Count("id"))
        .group_by("group_id")
        .values_list("group_id", "n")
    )
    names = dict(await Department.all().values_list("id", "name"))
    return [
        {
            "id": g.id,
            "name": g.name,
            "radars": counts.get(g.id, 0),
            "departments": [{"id": d, "name": names.get(d, str(d))} for d in g.visible_departments],
        }
        for g in groups
    ]


async def create_group(name: str) -> RadarGroup:
    name = await _valid_name(name)
    last = await RadarGroup.all().order_by("-order").first()
    return await RadarGroup.create(
        name=name, order=(last.order if last else 0) + 1, created_at=datetime.now(UTC)
    )


async def rename_group(group_id: int, name: str) -> RadarGroup:
    group = await _group(group_id)
    group.name = await _valid_name(name, keep=group.id)
    await group.save(update_fields=["name"])
    return group


async def delete_group(group_id: int) -> None:
    """Only an empty group goes: its radars must move to another group first (seed 002)."""
    group = await _group(group_id)
    radars = await Radar.filter(group_id=group.id, deleted_at__isnull=True).count()
    if radars:
        raise RadarGroupError(
            "group_id", f"分组“{group.name}”下还有 {radars} 个雷达，请先将雷达移出该分组后再删除。"
        )
    await Radar.filter(group_id=group.id).delete()  # deleted radars only: their links already say so
    await group.delete()


async def move_group(group_id: int, direction: str) -> bool:
    """Up, down, to the top or to the bottom of the list."""
    if direction not in ordering.MOVES:
        raise RadarGroupError("direction", "移动方向只能是上移、下移、置顶或置底。")
    group = await _group(group_id)
    return await ordering.move(
        RadarGroup, await RadarGroup.all().order_by("order", "id"), group.id, direction
    )


async def set_visible_departments(group_id: int, department_ids: list[int]) -> RadarGroup:
    """Which departments' staff see the group; none chosen means everyone."""
    group = await _group(group_id)
    wanted = sorted(set(department_ids))
    known = set(await Department.filter(id__in=wanted or [-1], deleted=False).values_list("id", flat=True))
    if set(wanted) - known:
        raise RadarGroupError("departments", "所选部门不存在，请刷新后重试。")
    group.visible_departments = wanted
    await group.save(update_fields=["visible_departments"])
    return group


async def groups_for_member(userid: str) -> list[RadarGroup]:
    """The groups a staff member may send from: visible to everyone, or to one of their departments or a
    department above one of theirs."""
    member = await Member.get_or_none(userid=userid, active=True)
    if member is None:
        return []
    parents = dict(await Department.all().values_list("id", "parent_id"))
    theirs: set[int] = set()
    for dept in member.departments or ():
        while dept is not None and dept not in theirs:
            theirs.add(dept)
            dept = parents.get(dept)
    groups = await RadarGroup.all().order_by("order", "id")
    return [g for g in groups if not g.visible_departments or theirs.intersection(g.visible_departments)]


async def _group(group_id: int) -> RadarGroup:
    group = await RadarGroup.get_or_none(id=group_id)
    if group is None:
        raise RadarGroupError("group_id", "这个雷达分组不存在，请刷新页面。")
    return group


async def _valid_name(name: str, keep: int | None = None) -> str:
    name = (name or "").strip()
    if not name:
        raise RadarGroupError("name", "分组名称不能为空。")
    if len(name) > NAME_MAX:
        raise RadarGroupError("name", f"分组名称最多 {NAME_MAX} 个字。")
    if await RadarGroup.filter(name=name).exclude(id=keep or 0).exists():
        raise RadarGroupError("name", f"已有名为“{name}”的分组。")
    return name
