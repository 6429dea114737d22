"""The token table: WeCom and WeChat access tokens and tickets shared by every process."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class WeComToken(Model):
    """Access tokens and JS-SDK tickets shared by every process (keys never contain a secret)."""

    key = fields.CharField(max_length=128, primary_key=True)
    value = fields.TextField()
    expires_at = fields.FloatField()

    class Meta:
        table = "wecom_token"
