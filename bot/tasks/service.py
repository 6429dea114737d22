"""The task center's services: start a task from resolved items, cancel it, read tasks and their failures."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tortoise.transactions import in_transaction

from bot.tasks.kinds import Json, Kind, TaskRefused
from bot.tasks.models import Task, TaskItem

_CHUNK = 1000  # items per INSERT: 100 000 relations start in one transaction without one huge statement


def utcnow() -> datetime:
    return datetime.now(UTC)


async def create_task(
    kind: Kind,
    params: Mapping[str, Any],
    items: Iterable[Mapping[str, Any]],
    creator: str,
    *,
    conditions: Mapping[str, Any] | None = None,
) -> Task:
    """Persist a task and its items (queued for the worker); the same item given twice runs once.

    `items` are already resolved (e.g. the relations a condition set matched when the task started), so
    nothing that changes later moves the task.
    """
    params = kind.check_params(dict(params))
    keys: dict[str, Json] = {}
    for item in items:
        key = {f: item.get(f) for f in kind.item_fields} if kind.item_fields else dict(item)
        if any(not isinstance(v, str) or not v for v in key.values()):
            raise TaskRefused("任务对象缺少必要信息，请重新选择。")
        keys.setdefault(json.dumps(key, sort_keys=True, ensure_ascii=False), key)
    if not keys:
        raise TaskRefused("没有符合条件的对象，任务未创建。")
    async with in_transaction():
        task = await Task.create(
            kind=kind.name,
            params=params,
            conditions=dict(conditions or {}),
            creator=creator,
            total=len(keys),
            created_at=utcnow(),
        )
        rows = [TaskItem(task_id=task.id, ordinal=n, key=key) for n, key in enumerate(keys.values())]
        for start in range(0, len(rows), _CHUNK):
            await TaskItem.bulk_create(rows[start : start + _CHUNK])
    return task


async def cancel_task(task_id: int, by: str) -> Task:
    """Stop a queued or running task; items already running finish, no further item starts."""
    updated = await Task.filter(id=task_id, status__in=Task.ACTIVE).update(
        status=Task.CANCELLED, cancelled_by=by, finished_at=utcnow()
    )
    task = await Task.get_or_none(id=task_id)
    if task is None:
        raise TaskRefused("任务不存在。")
    if not updated:
        raise TaskRefused(f"任务{task.status_name}，无法取消。")
    return task


async def get_task(task_id: int) -> Task | None:
    return await Task.get_or_none(id=task_id)


@dataclass(frozen=True)
class TaskFilters:
    """The task center's filters; empty means any."""

    kind: str = ""
    creator: str = ""
    status: str = ""
    offset: int = 0
    limit: int = 50


async def list_tasks(filters: TaskFilters = TaskFilters()) -> tuple[list[Task], int]:
    """Tasks newest first, and how many match in all."""
    query = Task.all()
    if filters.kind:
        query = query.filter(kind=filters.kind)
    if filters.creator:
        query = query.filter(creator=filters.creator)
    if filters.status:
        query = query.filter(status=filters.status)
    total = await query.count()
    rows = await query.order_by("-id").offset(filters.offset).limit(filters.limit)
    return rows, total


async def failed_items(task_id: int) -> list[TaskItem]:
    """Every failed item with WeCom's errcode and message, in the task's order (for the download)."""
    return await TaskItem.filter(task_id=task_id, status=TaskItem.FAILED).order_by("ordinal")
