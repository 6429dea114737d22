from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index


class Migration(migrations.Migration):
    dependencies = [("models", "0012_staff_sessions")]

    initial = False

    operations = [
        ops.CreateModel(
            name="Task",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("kind", fields.CharField(db_index=True, max_length=64)),
                (
                    "params",
                    fields.JSONField(
                        default=dict, encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads
                    ),
                ),
                (
                    "conditions",
                    fields.JSONField(
                        default=dict, encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads
                    ),
                ),
                ("creator", fields.CharField(default="", db_index=True, max_length=64)),
                ("status", fields.CharField(default="queued", max_length=16)),
                ("total", fields.IntField(default=0)),
                ("done", fields.IntField(default=0)),
                ("failed", fields.IntField(default=0)),
                ("skipped", fields.IntField(default=0)),
                ("error", fields.TextField(default="", unique=False)),
                ("cancelled_by", fields.CharField(default="", max_length=64)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("started_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("finished_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "task",
                "app": "models",
                "indexes": [Index(fields=["status", "id"])],
                "pk_attr": "id",
                "table_description": "One bulk action: its kind and parameters, who started it, where it stands, exact counts.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="TaskItem",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "task",
                    fields.ForeignKeyField(
                        "models.Task",
                        source_field="task_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="items",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("ordinal", fields.IntField()),
                (
                    "key",
                    fields.JSONField(encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads),
                ),
                ("status", fields.CharField(default="pending", max_length=16)),
                ("attempts", fields.IntField(default=0)),
                ("claimed_by", fields.CharField(default="", max_length=64)),
                ("lease_until", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("error_code", fields.IntField(null=True)),
                ("error", fields.TextField(default="", unique=False)),
                ("finished_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "task_item",
                "app": "models",
                "unique_together": (("task_id", "ordinal"),),
                "indexes": [Index(fields=["task_id", "status", "ordinal"])],
                "pk_attr": "id",
                "table_description": "One unit of a task (e.g. one follow relation), run at most once to effect.",
            },
            bases=["Model"],
        ),
    ]
