from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [("models", "0011_relation_status_order")]

    initial = False

    operations = [
        ops.CreateModel(
            name="StaffSession",
            fields=[
                ("id", fields.CharField(primary_key=True, unique=True, db_index=True, max_length=64)),
                ("userid", fields.CharField(db_index=True, max_length=64)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("expires_at", fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "staff_session",
                "app": "models",
                "pk_attr": "id",
                "table_description": "One staff login (console or sidebar), named by its cookie and alive while this row is.",
            },
            bases=["Model"],
        ),
    ]
