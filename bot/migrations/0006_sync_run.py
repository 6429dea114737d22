from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [("models", "0005_groups")]

    initial = False

    operations = [
        ops.CreateModel(
            name="SyncRun",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("trigger", fields.CharField(default="cli", max_length=16)),
                ("status", fields.CharField(default="running", max_length=16)),
                ("lock", fields.CharField(null=True, unique=True, max_length=8)),
                ("phase", fields.CharField(default="", max_length=16)),
                (
                    "checkpoint",
                    fields.JSONField(
                        default=dict, encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads
                    ),
                ),
                (
                    "follow_users",
                    fields.JSONField(
                        default=list, encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads
                    ),
                ),
                (
                    "counts",
                    fields.JSONField(
                        default=dict, encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads
                    ),
                ),
                ("error", fields.TextField(default="", unique=False)),
                ("started_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("heartbeat_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("finished_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "sync_run",
                "app": "models",
                "pk_attr": "id",
                "table_description": "One full sync or reconciliation, resumable: each applied page commits with its checkpoint.",
            },
            bases=["Model"],
        ),
    ]
