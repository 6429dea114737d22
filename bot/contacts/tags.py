"""Corp tags: the local mirror of WeCom's tag groups and tags, re-read from WeCom and reconciled."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tortoise.transactions import in_transaction

from bot.contacts.models import Tag, TagGroup

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TagSyncResult:
    created: int = 0
    updated: int = 0
    deleted: int = 0

    @property
    def changed(self) -> int:
        return self.created + self.updated + self.deleted


async def fetch_tag_list(wecom) -> list[dict[str, Any]]:
    """Every live tag group with its tags, as `externalcontact/get_corp_tag_list` returns them."""
    return (await wecom.get_corp_tag_list()).get("tag_group", [])


async def apply_tag_list(groups: list[dict[str, Any]]) -> TagSyncResult:
    """Make the mirror equal WeCom's full tag list: upsert what is listed, mark the rest deleted.

    Tag events carry only an id (and bursts may differ only in it), so every event re-reads the whole
    list; applying the same list twice changes nothing.
    """
    now = datetime.now(UTC)
    created = updated = 0
    live_groups: set[str] = set()
    live_tags: set[str] = set()
    for g in groups:
        if g.get("deleted"):
            continue
        live_groups.add(g["group_id"])
        values = {
            "name": g.get("group_name", ""),
            "order": int(g.get("order", 0)),
            "create_time": int(g.get("create_time", 0)),
            "deleted": False,
        }
        group = await TagGroup.get_or_none(group_id=g["group_id"])
        if group is None:
            group = await TagGroup.create(group_id=g["group_id"], synced_at=now, **values)
            created += 1
        elif _update(group, values, now):
            await group.save()
            updated += 1
        for t in g.get("tag", []):
            if t.get("deleted"):
                continue
            live_tags.add(t["id"])
            tag_values = {
                "name": t.get("name", ""),
                "order": int(t.get("order", 0)),
                "create_time": int(t.get("create_time", 0)),
                "deleted": False,
                "group_id": group.group_id,
            }
            tag = await Tag.get_or_none(tag_id=t["id"])
            if tag is None:
                await Tag.create(tag_id=t["id"], synced_at=now, **tag_values)
                created += 1
            elif _update(tag, tag_values, now):
                await tag.save()
                updated += 1
    # Whatever WeCom no longer lists was deleted there (`or {""}`: an empty IN list is not valid SQL).
    deleted = (
        await Tag.filter(deleted=False)
        .exclude(tag_id__in=live_tags or {""})
        .update(deleted=True, synced_at=now)
    )
    deleted += (
        await TagGroup.filter(deleted=False)
        .exclude(group_id__in=live_groups or {""})
        .update(deleted=True, synced_at=now)
    )
    return TagSyncResult(created, updated, deleted)


def _update(row, values: dict[str, Any], now: datetime) -> bool:
    changed = False
    for key, value in values.items():
        if getattr(row, key) != value:
            setattr(row, key, value)
            changed = True
    if changed:
        row.synced_at = now
    return changed


async def sync_tags(wecom) -> TagSyncResult:
    """Full tag sync (start-up, `scrm sync`, reconciliation): one read, one transaction."""
    groups = await fetch_tag_list(wecom)
    async with in_transaction():
        result = await apply_tag_list(groups)
    log.info("tag sync: %d created, %d updated, %d deleted", result.created, result.updated, result.deleted)
    return result


async def list_groups() -> list[TagGroup]:
    """Live tag groups with their live tags, in WeCom's order (bigger order first)."""
    groups = await TagGroup.filter(deleted=False).order_by("-order", "create_time", "group_id")
    for group in groups:
        group.live_tags = await Tag.filter(group_id=group.group_id, deleted=False).order_by(
            "-order", "create_time", "tag_id"
        )
    return groups
