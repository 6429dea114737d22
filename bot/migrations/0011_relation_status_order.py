from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [("models", "0010_radar_tracking")]

    initial = False

    operations = [
        ops.AddField(
            model_name="FollowRelation",
            name="status_at",
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        # Relations mirrored before: the status was last set when the relation ended, or else when it was
        # added. Without this a lost relation would have no time, and the next sync, which lists it like a
        # live one, would make it active again.
        ops.RunSQL(
            "UPDATE follow_relation SET status_at = COALESCE(ended_at, add_time, synced_at)",
            reverse_sql=ops.RunSQL.noop,
        ),
    ]
