from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [("models", "0008_stages_follow_ups")]

    initial = False

    operations = [
        ops.CreateModel(
            name="RadarGroup",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("name", fields.CharField(max_length=32)),
                ("order", fields.IntField(default=0)),
                (
                    "visible_departments",
                    fields.JSONField(
                        default=list, encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "radar_group",
                "app": "models",
                "pk_attr": "id",
                "table_description": "A radar group (雷达分组) with its place in the list and the departments whose staff may use it.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Radar",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "group",
                    fields.ForeignKeyField(
                        "models.RadarGroup",
                        source_field="group_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="radars",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("name", fields.CharField(max_length=64)),
                ("type", fields.CharField(max_length=8)),
                ("title", fields.CharField(max_length=64)),
                ("description", fields.CharField(default="", max_length=256)),
                ("cover", fields.CharField(default="", max_length=256)),
                ("link_url", fields.CharField(default="", max_length=1024)),
                ("file", fields.CharField(default="", max_length=256)),
                ("friends_only", fields.BooleanField(default=False)),
                (
                    "auto_tag_ids",
                    fields.JSONField(
                        default=list, encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads
                    ),
                ),
                ("notify_staff", fields.BooleanField(default=True)),
                ("record_timeline", fields.BooleanField(default=True)),
                ("order", fields.IntField(default=0)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("updated_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("deleted_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "radar",
                "app": "models",
                "pk_attr": "id",
                "table_description": "A smart radar (智能雷达): tracked content staff send to customers, in a group, kept after deletion so",
            },
            bases=["Model"],
        ),
    ]
