from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index


class Migration(migrations.Migration):
    dependencies = [("models", "0007_roles_and_add_time_index")]

    initial = False

    operations = [
        ops.CreateModel(
            name="Stage",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("name", fields.CharField(max_length=20)),
                ("order", fields.IntField(default=0)),
                ("default_key", fields.CharField(null=True, unique=True, max_length=16)),
                ("deleted", fields.BooleanField(default=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "stage",
                "app": "models",
                "pk_attr": "id",
                "table_description": "A customer stage (客户阶段) admins configure, shown in their order. Kept when deleted, so a customer",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="CustomerStage",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("external_userid", fields.CharField(max_length=64)),
                ("userid", fields.CharField(max_length=64)),
                (
                    "stage",
                    fields.ForeignKeyField(
                        "models.Stage",
                        source_field="stage_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="customer_stages",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("updated_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "customer_stage",
                "app": "models",
                "unique_together": (("external_userid", "userid"),),
                "pk_attr": "id",
                "table_description": "The stage a staff member set for one of their customers (seed 000: 客户阶段, per follow relation).",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="FollowUp",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("external_userid", fields.CharField(max_length=64)),
                ("userid", fields.CharField(max_length=64)),
                ("text", fields.TextField(unique=False)),
                (
                    "stage",
                    fields.ForeignKeyField(
                        "models.Stage",
                        source_field="stage_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="follow_ups",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("remind_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "follow_up",
                "app": "models",
                "indexes": [Index(fields=["external_userid", "created_at"])],
                "pk_attr": "id",
                "table_description": "A follow-up a staff member logged for a customer (跟进记录), with an optional stage and reminder.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Reminder",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "follow_up",
                    fields.ForeignKeyField(
                        "models.FollowUp",
                        source_field="follow_up_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="reminders",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("userid", fields.CharField(max_length=64)),
                ("external_userid", fields.CharField(max_length=64)),
                ("due_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("status", fields.CharField(default="pending", max_length=16)),
                ("attempts", fields.IntField(default=0)),
                ("lease_until", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("last_error", fields.TextField(default="", unique=False)),
                ("sent_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "reminder",
                "app": "models",
                "indexes": [Index(fields=["status", "due_at"])],
                "pk_attr": "id",
                "table_description": "A follow-up reminder to send as a WeCom app message at due_at, kept in the database so it survives",
            },
            bases=["Model"],
        ),
    ]
