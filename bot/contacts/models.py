"""The mirror's tables: corp tags, the directory, customers and their follow relations, the timeline, customer
groups, roles, staff login sessions and sync runs (tortoise-orm; schema changes are migrations in
bot/migrations/)."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class TagGroup(Model):
    """A corp tag group (企业标签组) as WeCom holds it, kept and marked deleted after deletion."""

    group_id = fields.CharField(max_length=64, primary_key=True)
    name = fields.CharField(max_length=64)
    # WeCom sorts descending: a bigger order comes first.
    order = fields.BigIntField(default=0)
    create_time = fields.BigIntField(default=0)
    deleted = fields.BooleanField(default=False)
    synced_at = fields.DatetimeField()

    class Meta:
        table = "tag_group"


class Tag(Model):
    """A corp tag (企业标签) in its group, kept after deletion so history can still name it."""

    tag_id = fields.CharField(max_length=64, primary_key=True)
    group = fields.ForeignKeyField("models.TagGroup", related_name="tags", on_delete=fields.CASCADE)
    name = fields.CharField(max_length=64)
    order = fields.BigIntField(default=0)
    create_time = fields.BigIntField(default=0)
    deleted = fields.BooleanField(default=False)
    synced_at = fields.DatetimeField()

    class Meta:
        table = "tag"


class Department(Model):
    """A department of the corp directory (通讯录), a tree through parent_id."""

    id = fields.BigIntField(primary_key=True)  # WeCom's department id, set explicitly
    name = fields.CharField(max_length=128)
    parent_id = fields.BigIntField(null=True)
    order = fields.BigIntField(default=0)
    # userids WeCom names as the department's leaders (部门负责人)
    leaders = fields.JSONField(default=list)
    deleted = fields.BooleanField(default=False)
    synced_at = fields.DatetimeField()

    class Meta:
        table = "department"


class Member(Model):
    """A staff member (成员). Kept when removed from WeCom, marked inactive, so history can name them."""

    userid = fields.CharField(max_length=64, primary_key=True)
    name = fields.CharField(max_length=128)
    avatar = fields.CharField(max_length=512, default="")
    position = fields.CharField(max_length=128, default="")
    departments = fields.JSONField(default=list)
    main_department = fields.BigIntField(null=True)
    # departments this member leads (from is_leader_in_dept and the departments' leader lists)
    leads = fields.JSONField(default=list)
    # WeCom's status: 1 active, 2 disabled, 4 not activated, 5 resigned
    status = fields.IntField(default=1)
    active = fields.BooleanField(default=True)
    synced_at = fields.DatetimeField()
    # the member's 联系我 QR code (a contact way with state "radar") that radar pages show non-friends,
    # made through the API once and kept: user/get no longer returns qr_code to new apps
    radar_qr_code = fields.CharField(max_length=512, default="")

    class Meta:
        table = "member"


class Customer(Model):
    """An external contact (客户) as WeCom describes them, lost once no staff relation remains."""

    external_userid = fields.CharField(max_length=64, primary_key=True)
    name = fields.CharField(max_length=128, default="")
    avatar = fields.CharField(max_length=512, default="")
    # 1 WeChat user, 2 WeCom user
    type = fields.IntField(default=1)
    # 0 unknown, 1 male, 2 female
    gender = fields.IntField(default=0)
    unionid = fields.CharField(max_length=64, default="", db_index=True)
    corp_name = fields.CharField(max_length=128, default="")
    corp_full_name = fields.CharField(max_length=256, default="")
    position = fields.CharField(max_length=128, default="")
    lost = fields.BooleanField(default=False)
    lost_at = fields.DatetimeField(null=True)
    first_added_at = fields.DatetimeField(null=True)
    synced_at = fields.DatetimeField()

    class Meta:
        table = "customer"


class FollowRelation(Model):
    """One staff member's relation with a customer (跟进关系), kept with its history after it ends."""

    ACTIVE, LOST, DELETED = "active", "lost", "deleted"

    id = fields.BigIntField(primary_key=True)
    customer = fields.ForeignKeyField("models.Customer", related_name="relations", on_delete=fields.CASCADE)
    userid = fields.CharField(max_length=64, db_index=True)
    remark = fields.CharField(max_length=128, default="")
    description = fields.CharField(max_length=512, default="")
    remark_corp_name = fields.CharField(max_length=128, default="")
    remark_mobiles = fields.JSONField(default=list)
    add_time = fields.DatetimeField(null=True, db_index=True)
    # WeCom's add_way: 1 QR code, 2 phone search, 3 card share, 4 group chat ...
    add_way = fields.IntField(default=0)
    # the channel: a contact way's state
    state = fields.CharField(max_length=64, default="", db_index=True)
    oper_userid = fields.CharField(max_length=64, default="")
    tag_ids = fields.JSONField(default=list)
    # active, lost (the customer deleted the member: 已流失) or deleted (the member deleted the customer)
    status = fields.CharField(max_length=16, default=ACTIVE)
    ended_at = fields.DatetimeField(null=True)
    # When the newest status fact applied became true (an event's CreateTime, the follow's createtime, the
    # time WeCom was read): callbacks arrive late and out of order, and an older fact never overrides it.
    # NULL only on rows from before it existed whose migration found no time at all.
    status_at = fields.DatetimeField(null=True)
    synced_at = fields.DatetimeField()

    class Meta:
        table = "follow_relation"
        unique_together = (("customer", "userid"),)


class TimelineEvent(Model):
    """One append-only entry of a customer's history, with the staff member it concerns."""

    id = fields.BigIntField(primary_key=True)
    external_userid = fields.CharField(max_length=64)
    userid = fields.CharField(max_length=64, default="")
    occurred_at = fields.DatetimeField()
    type = fields.CharField(max_length=32)
    payload = fields.JSONField(default=dict)

    class Meta:
        table = "timeline_event"
        indexes = (("external_userid", "occurred_at"),)


class GroupChat(Model):
    """A customer group (客户群) with its owner, notice and admins, kept after it is dismissed."""

    chat_id = fields.CharField(max_length=64, primary_key=True)
    name = fields.CharField(max_length=128, default="")
    owner = fields.CharField(max_length=64, default="", db_index=True)
    notice = fields.TextField(default="")
    admins = fields.JSONField(default=list)
    create_time = fields.DatetimeField(null=True)
    member_version = fields.CharField(max_length=64, default="")
    dismissed = fields.BooleanField(default=False)
    dismissed_at = fields.DatetimeField(null=True)
    synced_at = fields.DatetimeField()

    class Meta:
        table = "group_chat"


class GroupMembership(Model):
    """One stay of a member or customer in a group, from joining to leaving: rejoining starts a new row,
    so joins and quits of any day can be counted."""

    id = fields.BigIntField(primary_key=True)
    chat = fields.ForeignKeyField("models.GroupChat", related_name="memberships", on_delete=fields.CASCADE)
    # a staff userid (type 1) or a customer's external_userid (type 2)
    member_id = fields.CharField(max_length=64, db_index=True)
    type = fields.IntField(default=2)
    join_time = fields.DatetimeField(null=True, db_index=True)
    # groupchat/get's enum: 1 direct invite, 2 invite link, 3 group QR code
    join_scene = fields.IntField(default=0)
    invitor = fields.CharField(max_length=64, default="")
    nickname = fields.CharField(max_length=128, default="")
    left_at = fields.DatetimeField(null=True, db_index=True)

    class Meta:
        table = "group_membership"
        indexes = (("chat_id", "member_id"),)


class RoleGrant(Model):
    """A role given in the console (admins named in settings need no row)."""

    ADMIN = "admin"

    userid = fields.CharField(max_length=64, primary_key=True)
    role = fields.CharField(max_length=16, default=ADMIN)
    granted_by = fields.CharField(max_length=64, default="")
    granted_at = fields.DatetimeField()

    class Meta:
        table = "role_grant"


class StaffSession(Model):
    """One staff login (console or sidebar), named by its cookie and alive while this row is.

    Logging out, losing a role or leaving WeCom deletes the row (bot/contacts/sessions.py). The first line
    becomes the table's comment, which tortoise's SQLite migrations split on semicolons: none there.
    """

    # SHA-256 of the secret the cookie carries: a copy of this table alone logs nobody in
    id = fields.CharField(max_length=64, primary_key=True)
    userid = fields.CharField(max_length=64, db_index=True)
    created_at = fields.DatetimeField()
    expires_at = fields.DatetimeField(db_index=True)

    class Meta:
        table = "staff_session"


class SyncRun(Model):
    """One full sync or reconciliation, resumable: each applied page commits with its checkpoint."""

    RUNNING, DONE, FAILED, ABANDONED = "running", "done", "failed", "abandoned"
    LOCK = "sync"

    id = fields.BigIntField(primary_key=True)
    # what started it: cli, auto (empty mirror) or schedule (reconciliation)
    trigger = fields.CharField(max_length=16, default="cli")
    status = fields.CharField(max_length=16, default=RUNNING)
    # "sync" while a process runs it, NULL otherwise: unique, so one run at a time across processes
    lock = fields.CharField(max_length=8, null=True, unique=True)
    phase = fields.CharField(max_length=16, default="")
    # where the current phase resumes, e.g. the chunk index and the cursor of the next page
    checkpoint = fields.JSONField(default=dict)
    # the follow users whose customers are read, fixed when that phase starts so a resumed run pages the
    # same chunks
    follow_users = fields.JSONField(default=list)
    # what changed (drift) and how much was read, by name
    counts = fields.JSONField(default=dict)
    error = fields.TextField(default="")
    started_at = fields.DatetimeField()
    heartbeat_at = fields.DatetimeField()
    finished_at = fields.DatetimeField(null=True)

    class Meta:
        table = "sync_run"
