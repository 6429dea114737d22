from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [("models", "0006_roles")]

    initial = False

    operations = [
        ops.AlterField(
            model_name="FollowRelation",
            name="add_time",
            field=fields.DatetimeField(null=True, db_index=True, auto_now=False, auto_now_add=False),
        ),
    ]
