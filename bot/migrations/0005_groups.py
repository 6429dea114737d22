from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index


class Migration(migrations.Migration):
    dependencies = [("models", "0004_customers_timeline")]

    initial = False

    operations = [
        ops.CreateModel(
            name="GroupChat",
            fields=[
                ("chat_id", fields.CharField(primary_key=True, unique=True, db_index=True, max_length=64)),
                ("name", fields.CharField(default="", max_length=128)),
                ("owner", fields.CharField(default="", db_index=True, max_length=64)),
                ("notice", fields.TextField(default="", unique=False)),
                (
                    "admins",
                    fields.JSONField(
                        default=list, encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads
                    ),
                ),
                ("create_time", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("member_version", fields.CharField(default="", max_length=64)),
                ("dismissed", fields.BooleanField(default=False)),
                ("dismissed_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("synced_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "group_chat",
                "app": "models",
                "pk_attr": "chat_id",
                "table_description": "A customer group (客户群) with its owner, notice and admins, kept after it is dismissed.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="GroupMembership",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "chat",
                    fields.ForeignKeyField(
                        "models.GroupChat",
                        source_field="chat_id",
                        db_constraint=True,
                        to_field="chat_id",
                        related_name="memberships",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("member_id", fields.CharField(db_index=True, max_length=64)),
                ("type", fields.IntField(default=2)),
                (
                    "join_time",
                    fields.DatetimeField(null=True, db_index=True, auto_now=False, auto_now_add=False),
                ),
                ("join_scene", fields.IntField(default=0)),
                ("invitor", fields.CharField(default="", max_length=64)),
                ("nickname", fields.CharField(default="", max_length=128)),
                (
                    "left_at",
                    fields.DatetimeField(null=True, db_index=True, auto_now=False, auto_now_add=False),
                ),
            ],
            options={
                "table": "group_membership",
                "app": "models",
                "indexes": [Index(fields=["chat_id", "member_id"])],
                "pk_attr": "id",
                "table_description": "One stay of a member or customer in a group, from joining to leaving: rejoining starts a new row,",
            },
            bases=["Model"],
        ),
    ]
