"""The emulated corp's records: directory, customers, follow relations, tags, groups, ways, mass tasks."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Department:
    id: int
    name: str
    parentid: int = 1
    order: int = 0
    department_leader: list[str] = field(default_factory=list)


@dataclass
class Member:
    userid: str
    name: str
    department: list[int] = field(default_factory=lambda: [1])
    position: str = ""
    gender: int = 0  # 0 unknown, 1 male, 2 female
    avatar: str = ""
    is_leader_in_dept: list[int] = field(default_factory=list)
    status: int = 1  # 1 active, 2 disabled, 4 not activated, 5 resigned
    external_contact: bool = True  # 客户联系 enabled for this member
    visible: bool = True  # inside the self-built app's visible range
    mobile: str = ""
    alias: str = ""

    @property
    def active(self) -> bool:
        return self.status == 1 and self.visible


@dataclass
class Customer:
    external_userid: str
    name: str
    avatar: str = ""
    type: int = 1  # 1 WeChat user, 2 WeCom user
    gender: int = 0
    unionid: str = ""
    corp_name: str = ""
    corp_full_name: str = ""
    position: str = ""


@dataclass
class Follow:
    """A member's side of the friendship with one customer."""

    userid: str
    external_userid: str
    createtime: int
    remark: str = ""
    description: str = ""
    remark_corp_name: str = ""
    remark_mobiles: list[str] = field(default_factory=list)
    add_way: int = 0
    state: str = ""
    oper_userid: str = ""
    tag_ids: list[str] = field(default_factory=list)
    lost: bool = False  # the customer deleted the member; the member still lists the customer
    last_interaction: float = 0.0  # who chatted last decides which follower gets a mass task


@dataclass
class Tag:
    id: str
    name: str
    group_id: str
    order: int = 0
    create_time: int = 0
    deleted: bool = False


@dataclass
class TagGroup:
    group_id: str
    group_name: str
    order: int = 0
    create_time: int = 0
    deleted: bool = False


@dataclass
class ChatMember:
    userid: str
    type: int  # 1 member, 2 external
    join_time: int
    join_scene: int = 1  # groupchat/get enum: 1 direct invite, 2 invite link, 3 group QR
    invitor: str | None = None
    unionid: str = ""
    group_nickname: str = ""
    name: str = ""


@dataclass
class GroupChat:
    chat_id: str
    name: str
    owner: str
    create_time: int
    notice: str = ""
    admin_list: list[str] = field(default_factory=list)
    members: list[ChatMember] = field(default_factory=list)
    member_version: str = ""
    status: int = 0  # 0 normal, 1 owner resigned, 2 inheritance in progress, 3 inherited
    dismissed: bool = False

    def find(self, userid: str) -> ChatMember | None:
        return next((m for m in self.members if m.userid == userid), None)


@dataclass
class ContactWay:
    config_id: str
    type: int
    scene: int
    create_time: int
    style: int = 1
    remark: str = ""
    skip_verify: bool = True
    state: str = ""
    user: list[str] = field(default_factory=list)
    party: list[int] = field(default_factory=list)
    qr_code: str = ""
    is_temp: bool = False
    expires_in: int = 0
    chat_expires_in: int = 0
    unionid: str = ""
    mark_source: bool = False
    conclusions: dict[str, Any] = field(default_factory=dict)


@dataclass
class MassRecipient:
    userid: str  # the member whose task delivers it
    external_userid: str = ""
    chat_id: str = ""
    status: int = 0  # 0 unsent, 1 sent, 2 not a friend, 3 receive cap reached
    send_time: int = 0


@dataclass
class MassTask:
    msgid: str
    chat_type: str  # single | group
    create_time: int
    create_type: int = 0  # 0 enterprise (API), 1 member
    creator: str | None = None
    text: dict[str, Any] | None = None
    attachments: list[dict[str, Any]] = field(default_factory=list)
    allow_select: bool = False
    recipients: list[MassRecipient] = field(default_factory=list)
    member_status: dict[str, int] = field(default_factory=dict)  # userid -> 0 unsent / 2 sent
    member_send_time: dict[str, int] = field(default_factory=dict)
    reminders: list[float] = field(default_factory=list)
    cancelled: bool = False


@dataclass
class WelcomeCode:
    code: str
    userid: str
    external_userid: str
    issued_at: float
    used: bool = False


@dataclass
class OAuthCode:
    """A single-use code from the authorize page, for the WeCom app (appid = corp id) or WeChat's official
    account (appid = its wx id), naming a member, a customer or a stranger (a WeChat user who is neither)."""

    code: str
    issued_at: float
    userid: str | None = None
    external_userid: str | None = None
    stranger: str | None = None
    appid: str = ""
    used: bool = False


@dataclass
class Limits:
    """Knobs for behaviours the docs leave open or that tests want small (§8 of the protocol notes)."""

    batch_userid_max: int = 100  # batch/get_by_user userid_list (tenants report 64)
    follow_page_size: int = 500  # externalcontact/get follow_user per page
    welcome_code_ttl: float = 20.0
    oauth_code_ttl: float = 300.0
    reminds_per_day: int = 3
    receive_cap: str = "days_in_month"  # days_in_month | week7 | day1
