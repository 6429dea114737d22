from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [("models", "0001_initial")]

    initial = False

    operations = [
        ops.CreateModel(
            name="TagGroup",
            fields=[
                ("group_id", fields.CharField(primary_key=True, unique=True, db_index=True, max_length=64)),
                ("name", fields.CharField(max_length=64)),
                ("order", fields.BigIntField(default=0)),
                ("create_time", fields.BigIntField(default=0)),
                ("deleted", fields.BooleanField(default=False)),
                ("synced_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "tag_group",
                "app": "models",
                "pk_attr": "group_id",
                "table_description": "A corp tag group (企业标签组) as WeCom holds it, kept and marked deleted after deletion.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Tag",
            fields=[
                ("tag_id", fields.CharField(primary_key=True, unique=True, db_index=True, max_length=64)),
                (
                    "group",
                    fields.ForeignKeyField(
                        "models.TagGroup",
                        source_field="group_id",
                        db_constraint=True,
                        to_field="group_id",
                        related_name="tags",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("name", fields.CharField(max_length=64)),
                ("order", fields.BigIntField(default=0)),
                ("create_time", fields.BigIntField(default=0)),
                ("deleted", fields.BooleanField(default=False)),
                ("synced_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "tag",
                "app": "models",
                "pk_attr": "tag_id",
                "table_description": "A corp tag (企业标签) in its group, kept after deletion so history can still name it.",
            },
            bases=["Model"],
        ),
    ]
