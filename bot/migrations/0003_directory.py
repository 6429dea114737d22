from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [("models", "0002_corp_tags")]

    initial = False

    operations = [
        ops.CreateModel(
            name="Department",
            fields=[
                ("id", fields.BigIntField(primary_key=True, unique=True, db_index=True)),
                ("name", fields.CharField(max_length=128)),
                ("parent_id", fields.BigIntField(null=True)),
                ("order", fields.BigIntField(default=0)),
                (
                    "leaders",
                    fields.JSONField(
                        default=list, encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads
                    ),
                ),
                ("deleted", fields.BooleanField(default=False)),
                ("synced_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "department",
                "app": "models",
                "pk_attr": "id",
                "table_description": "A department of the corp directory (通讯录), a tree through parent_id.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Member",
            fields=[
                ("userid", fields.CharField(primary_key=True, unique=True, db_index=True, max_length=64)),
                ("name", fields.CharField(max_length=128)),
                ("avatar", fields.CharField(default="", max_length=512)),
                ("position", fields.CharField(default="", max_length=128)),
                (
                    "departments",
                    fields.JSONField(
                        default=list, encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads
                    ),
                ),
                ("main_department", fields.BigIntField(null=True)),
                (
                    "leads",
                    fields.JSONField(
                        default=list, encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads
                    ),
                ),
                ("status", fields.IntField(default=1)),
                ("active", fields.BooleanField(default=True)),
                ("synced_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "member",
                "app": "models",
                "pk_attr": "userid",
                "table_description": "A staff member (成员). Kept when removed from WeCom, marked inactive, so history can name them.",
            },
            bases=["Model"],
        ),
    ]
