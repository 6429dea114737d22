"""Stages, follow-ups and their reminders."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class Stage(Model):
    """A customer stage (客户阶段) admins configure, shown in their order. Kept when deleted, so a customer
    left in it and old follow-ups can still name it."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=20)
    order = fields.IntField(default=0)
    # set on the four stages seeded on first use: unique, so two processes seeding at once insert them once
    default_key = fields.CharField(max_length=16, null=True, unique=True)
    deleted = fields.BooleanField(default=False)
    created_at = fields.DatetimeField()

    class Meta:
        table = "stage"


class CustomerStage(Model):
    """The stage a staff member set for one of their customers (seed 000: 客户阶段, per follow relation)."""

    id = fields.BigIntField(primary_key=True)
    external_userid = fields.CharField(max_length=64)
    userid = fields.CharField(max_length=64)
    stage = fields.ForeignKeyField("models.Stage", related_name="customer_stages", on_delete=fields.RESTRICT)
    updated_at = fields.DatetimeField()

    class Meta:
        table = "customer_stage"
        unique_together = (("external_userid", "userid"),)


class FollowUp(Model):
    """A follow-up a staff member logged for a customer (跟进记录), with an optional stage and reminder."""

    id = fields.BigIntField(primary_key=True)
    external_userid = fields.CharField(max_length=64)
    userid = fields.CharField(max_length=64)
    text = fields.TextField()
    stage = fields.ForeignKeyField(
        "models.Stage", related_name="follow_ups", null=True, on_delete=fields.RESTRICT
    )
    remind_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "follow_up"
        indexes = (("external_userid", "created_at"),)


class Reminder(Model):
    """A follow-up reminder to send as a WeCom app message at due_at, kept in the database so it survives
    restarts. A sender claims it (sending, with a lease) before the call, so two processes never both send."""

    PENDING, SENDING, SENT, FAILED = "pending", "sending", "sent", "failed"

    id = fields.BigIntField(primary_key=True)
    follow_up = fields.ForeignKeyField("models.FollowUp", related_name="reminders", on_delete=fields.CASCADE)
    userid = fields.CharField(max_length=64)
    external_userid = fields.CharField(max_length=64)
    due_at = fields.DatetimeField()
    status = fields.CharField(max_length=16, default=PENDING)
    attempts = fields.IntField(default=0)
    # not claimed again before this time: the end of a sender's claim (if its process died, another takes
    # the reminder after it), or the run of a failed send (the next try is a later run)
    lease_until = fields.DatetimeField(null=True)
    last_error = fields.TextField(default="")
    sent_at = fields.DatetimeField(null=True)

    class Meta:
        table = "reminder"
        indexes = (("status", "due_at"),)
