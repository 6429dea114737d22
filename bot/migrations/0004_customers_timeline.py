from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index


class Migration(migrations.Migration):
    dependencies = [("models", "0003_directory")]

    initial = False

    operations = [
        ops.CreateModel(
            name="Customer",
            fields=[
                (
                    "external_userid",
                    fields.CharField(primary_key=True, unique=True, db_index=True, max_length=64),
                ),
                ("name", fields.CharField(default="", max_length=128)),
                ("avatar", fields.CharField(default="", max_length=512)),
                ("type", fields.IntField(default=1)),
                ("gender", fields.IntField(default=0)),
                ("unionid", fields.CharField(default="", db_index=True, max_length=64)),
                ("corp_name", fields.CharField(default="", max_length=128)),
                ("corp_full_name", fields.CharField(default="", max_length=256)),
                ("position", fields.CharField(default="", max_length=128)),
                ("lost", fields.BooleanField(default=False)),
                ("lost_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("first_added_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("synced_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "customer",
                "app": "models",
                "pk_attr": "external_userid",
                "table_description": "An external contact (客户) as WeCom describes them, lost once no staff relation remains.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="FollowRelation",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "customer",
                    fields.ForeignKeyField(
                        "models.Customer",
                        source_field="customer_id",
                        db_constraint=True,
                        to_field="external_userid",
                        related_name="relations",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("userid", fields.CharField(db_index=True, max_length=64)),
                ("remark", fields.CharField(default="", max_length=128)),
                ("description", fields.CharField(default="", max_length=512)),
                ("remark_corp_name", fields.CharField(default="", max_length=128)),
                (
                    "remark_mobiles",
                    fields.JSONField(
                        default=list, encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads
                    ),
                ),
                ("add_time", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("add_way", fields.IntField(default=0)),
                ("state", fields.CharField(default="", db_index=True, max_length=64)),
                ("oper_userid", fields.CharField(default="", max_length=64)),
                (
                    "tag_ids",
                    fields.JSONField(
                        default=list, encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads
                    ),
                ),
                ("status", fields.CharField(default="active", max_length=16)),
                ("ended_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("synced_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "follow_relation",
                "app": "models",
                "unique_together": (("customer", "userid"),),
                "pk_attr": "id",
                "table_description": "One staff member's relation with a customer (跟进关系), kept with its history after it ends.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="TimelineEvent",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("external_userid", fields.CharField(max_length=64)),
                ("userid", fields.CharField(default="", max_length=64)),
                ("occurred_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("type", fields.CharField(max_length=32)),
                (
                    "payload",
                    fields.JSONField(
                        default=dict, encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads
                    ),
                ),
            ],
            options={
                "table": "timeline_event",
                "app": "models",
                "indexes": [Index(fields=["external_userid", "occurred_at"])],
                "pk_attr": "id",
                "table_description": "One append-only entry of a customer's history, with the staff member it concerns.",
            },
            bases=["Model"],
        ),
    ]
