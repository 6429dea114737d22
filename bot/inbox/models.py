"""The inbox table: every decrypted callback, stored before it is acknowledged."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class InboxEvent(Model):
    """One decrypted WeCom callback, stored before it is acknowledged and handled afterwards."""

    PENDING, RUNNING, DONE, DEAD, SKIPPED = "pending", "running", "done", "dead", "skipped"
    UNFINISHED = (PENDING, RUNNING)
    # Handled events: deleted after inbox.retention_days (bot/inbox/jobs.py). Dead ones are kept.
    HANDLED = (DONE, SKIPPED)

    id = fields.BigIntField(primary_key=True)
    # sha256 of the decrypted XML: a WeCom retry re-encrypts the same plaintext with a new nonce. The key
    # lives as long as the row, at least a day (inbox.retention_days >= 1); WeCom retries within seconds.
    dedup_key = fields.CharField(max_length=64, unique=True)
    event = fields.CharField(max_length=64)
    change_type = fields.CharField(max_length=64, default="")
    # Events of one customer or group are handled one at a time, in CreateTime then arrival order.
    partition_key = fields.CharField(max_length=160, default="", db_index=True)
    create_time = fields.BigIntField(default=0)
    payload = fields.TextField()
    received_at = fields.DatetimeField()
    status = fields.CharField(max_length=16, default=PENDING)
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField()
    lease_until = fields.DatetimeField(null=True)
    claimed_by = fields.CharField(max_length=64, default="")
    last_error = fields.TextField(default="")
    finished_at = fields.DatetimeField(null=True)

    class Meta:
        table = "inbox_event"
        indexes = (("status", "next_attempt_at"),)
