"""The smart radar's tables: groups and radars, sends, visitors, visits with the share tree, queued alerts."""

from tortoise import fields
from tortoise.models import Model


class RadarGroup(Model):
    """A radar group (雷达分组) with its place in the list and the departments whose staff may use it."""

    id = fields.BigIntField(primary_key=True)
    name = fields.CharField(max_length=32)
    order = fields.IntField(default=0)
    # department ids whose staff (and their sub-departments' staff) see the group, empty for everyone
    visible_departments = fields.JSONField(default=list)
    created_at = fields.DatetimeField()

    class Meta:
        table = "radar_group"


class Radar(Model):
    """A smart radar (智能雷达): tracked content staff send to customers, in a group, kept after deletion so
    old links can say it is gone."""

    LINK, PDF, IMAGE, VIDEO = "link", "pdf", "image", "video"

    id = fields.BigIntField(primary_key=True)
    group = fields.ForeignKeyField("models.RadarGroup", related_name="radars", on_delete=fields.RESTRICT)
    name = fields.CharField(max_length=64)
    type = fields.CharField(max_length=8)
    title = fields.CharField(max_length=64)
    description = fields.CharField(max_length=256, default="")
    cover = fields.CharField(max_length=256, default="")
    # the target URL of a link radar, or the stored file of the others (under the data directory)
    link_url = fields.CharField(max_length=1024, default="")
    file = fields.CharField(max_length=256, default="")
    friends_only = fields.BooleanField(default=False)
    # smart follow-up (智能跟进) on a customer's first visit
    auto_tag_ids = fields.JSONField(default=list)
    notify_staff = fields.BooleanField(default=True)
    record_timeline = fields.BooleanField(default=True)
    order = fields.IntField(default=0)
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()
    deleted_at = fields.DatetimeField(null=True)

    class Meta:
        table = "radar"


class RadarSend(Model):
    """One tap of 发送 in the sidebar: a staff member sent a radar into a chat (every tap counts)."""

    id = fields.BigIntField(primary_key=True)
    radar = fields.ForeignKeyField("models.Radar", related_name="sends", on_delete=fields.RESTRICT)
    userid = fields.CharField(max_length=64)
    # the customer of the single chat, or empty in a group chat
    external_userid = fields.CharField(max_length=64, default="")
    chat_id = fields.CharField(max_length=64, default="")
    sent_at = fields.DatetimeField()

    class Meta:
        table = "radar_send"
        indexes = (("radar_id", "userid"), ("radar_id", "sent_at"))


class RadarVisitor(Model):
    """A person who opened radar pages, named by WeChat OAuth (openid, and unionid when the account has
    one) and mapped to an external contact when one is known."""

    id = fields.BigIntField(primary_key=True)
    openid = fields.CharField(max_length=64, unique=True)
    unionid = fields.CharField(max_length=64, default="", db_index=True)
    external_userid = fields.CharField(max_length=64, default="", db_index=True)
    first_seen = fields.DatetimeField()
    last_seen = fields.DatetimeField()

    class Meta:
        table = "radar_visitor"


class RadarVisit(Model):
    """One opening of a radar page: who, through whose link (the share tree), how long and how far.

    level 1 is a visit from a link staff sent, level n+1 one from a link a level-n visitor shared. path
    holds the visit ids from the level-1 visit down to this one (the source path). duration and progress
    only grow: the server clamps every beacon to the wall time and to 0-100."""

    id = fields.BigIntField(primary_key=True)
    radar = fields.ForeignKeyField("models.Radar", related_name="visits", on_delete=fields.RESTRICT)
    visitor = fields.ForeignKeyField("models.RadarVisitor", related_name="visits", on_delete=fields.RESTRICT)
    # the customer, when the visitor is one (empty: not a friend of the corp, not counted in analytics)
    external_userid = fields.CharField(max_length=64, default="")
    # the staff member whose send began the chain (所属成员)
    userid = fields.CharField(max_length=64)
    parent = fields.ForeignKeyField(
        "models.RadarVisit", related_name="children", null=True, on_delete=fields.RESTRICT
    )
    level = fields.IntField(default=1)
    path = fields.JSONField(default=list)
    # 最近点击渠道: staff (sent from the chat toolbar) or share (a customer passed it on)
    channel = fields.CharField(max_length=16, default="staff")
    opened_at = fields.DatetimeField()
    last_beacon_at = fields.DatetimeField(null=True)
    duration = fields.IntField(default=0)  # seconds on the page while visible
    progress = fields.IntField(default=0)  # furthest point reached, 0-100
    shares = fields.IntField(default=0)  # times the visitor shared their link
    closed_at = fields.DatetimeField(null=True)
    ip = fields.CharField(max_length=64, default="")
    user_agent = fields.CharField(max_length=256, default="")

    class Meta:
        table = "radar_visit"
        indexes = (
            ("radar_id", "opened_at"),
            # covers the analytics' per-customer pass (visits, time, progress, level) without the table
            ("radar_id", "external_userid", "level", "duration", "progress", "opened_at"),
            # covers the staff analysis (visits, customers, level-1 customers per sending member)
            ("radar_id", "userid", "external_userid", "level"),
            ("parent_id",),  # the share tree, walked from a visit down to the visits it brought
        )


class RadarAlert(Model):
    """Follow-up work a visit queued for the scheduler: the radar's auto-tags to mark on the customer, and
    (when notify) an alert that the scheduler merges with the staff member's other pending alerts into one
    app message. Kept in the database so a restart loses none."""

    PENDING, SENDING, SENT, FAILED = "pending", "sending", "sent", "failed"

    id = fields.BigIntField(primary_key=True)
    userid = fields.CharField(max_length=64)
    external_userid = fields.CharField(max_length=64)
    radar = fields.ForeignKeyField("models.Radar", related_name="alerts", on_delete=fields.RESTRICT)
    visit = fields.ForeignKeyField("models.RadarVisit", related_name="alerts", on_delete=fields.RESTRICT)
    notify = fields.BooleanField(default=True)
    tag_ids = fields.JSONField(default=list)  # corp tag ids still to mark (mark_tag)
    status = fields.CharField(max_length=16, default=PENDING)
    attempts = fields.IntField(default=0)
    lease_until = fields.DatetimeField(null=True)
    last_error = fields.TextField(default="")
    created_at = fields.DatetimeField()
    sent_at = fields.DatetimeField(null=True)

    class Meta:
        table = "radar_alert"
        indexes = (("status", "created_at"), ("userid", "external_userid", "radar_id", "created_at"))
