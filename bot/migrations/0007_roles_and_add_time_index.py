from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [("models", "0006_sync_run")]

    initial = False

    operations = [
        ops.CreateModel(
            name="RoleGrant",
            fields=[
                ("userid", fields.CharField(primary_key=True, unique=True, db_index=True, max_length=64)),
                ("role", fields.CharField(default="admin", max_length=16)),
                ("granted_by", fields.CharField(default="", max_length=64)),
                ("granted_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "role_grant",
                "app": "models",
                "pk_attr": "userid",
                "table_description": "A role given in the console (admins named in settings need no row).",
            },
            bases=["Model"],
        ),
        ops.AlterField(
            model_name="FollowRelation",
            name="add_time",
            field=fields.DatetimeField(null=True, db_index=True, auto_now=False, auto_now_add=False),
        ),
    ]
