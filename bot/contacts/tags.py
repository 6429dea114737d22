"""Corp tags: the local mirror of WeCom's tag groups and tags, re-read from WeCom and reconciled."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tortoise import connections
from tortoise.transactions import in_transaction

from bot.contacts.models import Tag, TagGroup
from bot.store.db import is_postgres_connection

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
    gone = (
        await Tag.filter(deleted=False).exclude(tag_id__in=live_tags or {""}).values_list("tag_id", flat=True)
    )
    if gone:
        await Tag.filter(tag_id__in=gone).update(deleted=True, synced_at=now)
        await _untag_relations(gone)
    deleted = len(gone)
    deleted += (
        await TagGroup.filter(deleted=False)
        .exclude(group_id__in=live_groups or {""})
        .update(deleted=True, synced_at=now)
    )
    return TagSyncResult(created, updated, deleted)


async def _untag_relations(tag_ids: list[str]) -> None:
    """Take deleted tags off every relation at once: WeCom drops them from its customers silently (no edit
    event), and a relation showing a tag that no longer exists would also match a search by it.

    One UPDATE per statement dialect: tag_ids is JSON (jsonb on PostgreSQL, text on SQLite)."""
    conn = connections.get("default")
    if is_postgres_connection(conn):
        await conn.execute_query(
            "UPDATE follow_relation SET tag_ids = tag_ids - $1::text[] WHERE tag_ids ?| $1::text[]", [tag_ids]
        )
        return
    marks = ", ".join("?" * len(tag_ids))
    await conn.execute_query(
        "UPDATE follow_relation SET tag_ids = (SELECT json_group_array(j.value)"
        f" FROM json_each(follow_relation.tag_ids) j WHERE j.value NOT IN ({marks}))"
        f" WHERE EXISTS (SELECT 1 FROM json_each(follow_relation.tag_ids) j WHERE j.value IN ({marks}))",
        [*tag_ids, *tag_ids],
    )


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
