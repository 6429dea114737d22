from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.indexes import Index


class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name="InboxEvent",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("dedup_key", fields.CharField(unique=True, max_length=64)),
                ("event", fields.CharField(max_length=64)),
                ("change_type", fields.CharField(default="", max_length=64)),
                ("partition_key", fields.CharField(default="", db_index=True, max_length=160)),
                ("create_time", fields.BigIntField(default=0)),
                ("payload", fields.TextField(unique=False)),
                ("received_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("status", fields.CharField(default="pending", max_length=16)),
                ("attempts", fields.IntField(default=0)),
                ("next_attempt_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("lease_until", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("claimed_by", fields.CharField(default="", max_length=64)),
                ("last_error", fields.TextField(default="", unique=False)),
                ("finished_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "inbox_event",
                "app": "models",
                "indexes": [Index(fields=["status", "next_attempt_at"])],
                "pk_attr": "id",
                "table_description": "One decrypted WeCom callback, stored before it is acknowledged and handled afterwards.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="WeComToken",
            fields=[
                ("key", fields.CharField(primary_key=True, unique=True, db_index=True, max_length=128)),
                ("value", fields.TextField(unique=False)),
                ("expires_at", fields.FloatField()),
            ],
            options={
                "table": "wecom_token",
                "app": "models",
                "pk_attr": "key",
                "table_description": "Access tokens and JS-SDK tickets shared by every process (keys never contain a secret).",
            },
            bases=["Model"],
        ),
    ]
