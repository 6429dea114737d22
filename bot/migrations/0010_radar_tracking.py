from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index


class Migration(migrations.Migration):
    dependencies = [("models", "0009_radar_groups")]

    initial = False

    operations = [
        ops.CreateModel(
            name="RadarSend",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "radar",
                    fields.ForeignKeyField(
                        "models.Radar",
                        source_field="radar_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="sends",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("userid", fields.CharField(max_length=64)),
                ("external_userid", fields.CharField(default="", max_length=64)),
                ("chat_id", fields.CharField(default="", max_length=64)),
                ("sent_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "radar_send",
                "app": "models",
                "indexes": [Index(fields=["radar_id", "userid"]), Index(fields=["radar_id", "sent_at"])],
                "pk_attr": "id",
                "table_description": "One tap of 发送 in the sidebar: a staff member sent a radar into a chat (every tap counts).",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="RadarVisitor",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("openid", fields.CharField(unique=True, max_length=64)),
                ("unionid", fields.CharField(default="", db_index=True, max_length=64)),
                ("external_userid", fields.CharField(default="", db_index=True, max_length=64)),
                ("first_seen", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("last_seen", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "radar_visitor",
                "app": "models",
                "pk_attr": "id",
                "table_description": "A person who opened radar pages, named by WeChat OAuth (openid, and unionid when the account has",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="RadarVisit",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "radar",
                    fields.ForeignKeyField(
                        "models.Radar",
                        source_field="radar_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="visits",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "visitor",
                    fields.ForeignKeyField(
                        "models.RadarVisitor",
                        source_field="visitor_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="visits",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("external_userid", fields.CharField(default="", max_length=64)),
                ("userid", fields.CharField(max_length=64)),
                (
                    "parent",
                    fields.ForeignKeyField(
                        "models.RadarVisit",
                        source_field="parent_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="children",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("level", fields.IntField(default=1)),
                (
                    "path",
                    fields.JSONField(
                        default=list, encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads
                    ),
                ),
                ("channel", fields.CharField(default="staff", max_length=16)),
                ("opened_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("last_beacon_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("duration", fields.IntField(default=0)),
                ("progress", fields.IntField(default=0)),
                ("shares", fields.IntField(default=0)),
                ("closed_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("ip", fields.CharField(default="", max_length=64)),
                ("user_agent", fields.CharField(default="", max_length=256)),
            ],
            options={
                "table": "radar_visit",
                "app": "models",
                "indexes": [
                    Index(fields=["radar_id", "opened_at"]),
                    Index(
                        fields=["radar_id", "external_userid", "level", "duration", "progress", "opened_at"]
                    ),
                    Index(fields=["radar_id", "userid", "external_userid", "level"]),
                    Index(fields=["parent_id"]),
                ],
                "pk_attr": "id",
                "table_description": "One opening of a radar page: who, through whose link (the share tree), how long and how far.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="RadarAlert",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("userid", fields.CharField(max_length=64)),
                ("external_userid", fields.CharField(max_length=64)),
                (
                    "radar",
                    fields.ForeignKeyField(
                        "models.Radar",
                        source_field="radar_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="alerts",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "visit",
                    fields.ForeignKeyField(
                        "models.RadarVisit",
                        source_field="visit_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="alerts",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("notify", fields.BooleanField(default=True)),
                (
                    "tag_ids",
                    fields.JSONField(
                        default=list, encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads
                    ),
                ),
                ("status", fields.CharField(default="pending", max_length=16)),
                ("attempts", fields.IntField(default=0)),
                ("lease_until", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("last_error", fields.TextField(default="", unique=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("sent_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "radar_alert",
                "app": "models",
                "indexes": [
                    Index(fields=["status", "created_at"]),
                    Index(fields=["userid", "external_userid", "radar_id", "created_at"]),
                ],
                "pk_attr": "id",
                "table_description": "Follow-up work a visit queued for the scheduler: the radar's auto-tags to mark on the customer, and",
            },
            bases=["Model"],
        ),
        ops.AddField(
            model_name="Member",
            name="radar_qr_code",
            field=fields.CharField(default="", max_length=512),
        ),
    ]
