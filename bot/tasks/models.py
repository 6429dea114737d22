"""The task center's tables: a task (what, for whom, how far) and its items (one unit of work each)."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class Task(Model):
    """One bulk action: its kind and parameters, who started it, where it stands, exact counts."""

    QUEUED, RUNNING, DONE, CANCELLED, FAILED = "queued", "running", "done", "cancelled", "failed"
    ACTIVE = (QUEUED, RUNNING)
    STATUS_NAMES = {QUEUED: "排队中", RUNNING: "执行中", DONE: "已完成", CANCELLED: "已取消", FAILED: "失败"}

    id = fields.BigIntField(primary_key=True)
    kind = fields.CharField(max_length=64, db_index=True)
    params = fields.JSONField(default=dict)
    # The condition set as the caller described it; it was resolved into the items when the task was
    # created, so later changes to customers or to the conditions never move the task.
    conditions = fields.JSONField(default=dict)
    # The WeCom userid of the staff member who started it ("" for an API token); scope is checked against
    # them when each item runs, not only when the task starts.
    creator = fields.CharField(max_length=64, default="", db_index=True)
    status = fields.CharField(max_length=16, default=QUEUED)
    total = fields.IntField(default=0)
    done = fields.IntField(default=0)
    failed = fields.IntField(default=0)
    skipped = fields.IntField(default=0)
    error = fields.TextField(default="")  # why the whole task failed
    cancelled_by = fields.CharField(max_length=64, default="")
    created_at = fields.DatetimeField()
    started_at = fields.DatetimeField(null=True)
    finished_at = fields.DatetimeField(null=True)

    class Meta:
        table = "task"
        indexes = (("status", "id"),)

    @property
    def status_name(self) -> str:
        return self.STATUS_NAMES.get(self.status, self.status)

    @property
    def finished_items(self) -> int:
        return self.done + self.failed + self.skipped


class TaskItem(Model):
    """One unit of a task (e.g. one follow relation), run at most once to effect."""

    PENDING, RUNNING, DONE, FAILED, SKIPPED = "pending", "running", "done", "failed", "skipped"
    FINAL = (DONE, FAILED, SKIPPED)

    id = fields.BigIntField(primary_key=True)
    task: fields.ForeignKeyRelation[Task] = fields.ForeignKeyField(
        "models.Task", related_name="items", on_delete=fields.CASCADE
    )
    task_id: int
    ordinal = fields.IntField()
    # The item's key fields, e.g. {"external_userid": ..., "userid": ...}.
    key = fields.JSONField()
    status = fields.CharField(max_length=16, default=PENDING)
    # Claims so far: an item claimed again while it was running was interrupted (its runner died), and is
    # checked for effect before it may run again.
    attempts = fields.IntField(default=0)
    claimed_by = fields.CharField(max_length=64, default="")
    lease_until = fields.DatetimeField(null=True)
    error_code = fields.IntField(null=True)  # WeCom's errcode when WeCom refused the item
    error = fields.TextField(default="")  # WeCom's errmsg, or the reason (Chinese) an item was skipped
    finished_at = fields.DatetimeField(null=True)

    class Meta:
        table = "task_item"
        unique_together = (("task_id", "ordinal"),)
        indexes = (("task_id", "status", "ordinal"),)
