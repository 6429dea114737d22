"""The emulated corp's state, with seeding helpers so tests and demos can build a corp without callbacks."""

from __future__ import annotations

import base64
import hashlib
import random
import string
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, fields
from typing import Any

from .config import CorpConfig
from .models import (
    ChatMember,
    ContactWay,
    Customer,
    Department,
    Follow,
    GroupChat,
    Limits,
    MassTask,
    Member,
    OAuthCode,
    Tag,
    TagGroup,
    WelcomeCode,
)
from .relations import Relations

_ALNUM = string.ascii_letters + string.digits
_FOLLOW_FIELDS = {f.name for f in fields(Follow)} - {"userid", "external_userid"}
_CUSTOMER_FIELDS = {f.name for f in fields(Customer)}


def is_external_id(value: str) -> bool:
    """External userids start with wm/wo; members' userids are anything else."""
    return value.startswith(("wm", "wo"))


class CorpState:
    """Everything the emulated WeCom knows about one corp. API handlers and user actions both edit it."""

    def __init__(self, corp: CorpConfig, *, clock: Callable[[], float] = time.time, seed: int = 0):
        self.corp = corp
        self.clock = clock
        self.limits = Limits()
        self._rng = random.Random(f"state:{seed}")
        self.departments: dict[int, Department] = {
            1: Department(id=1, name="总部", parentid=0, order=100000000)
        }
        self.members: dict[str, Member] = {}
        self.customers: dict[str, Customer] = {}
        self.follows = Relations()
        self.tag_groups: dict[str, TagGroup] = {}
        self.tags: dict[str, Tag] = {}
        self.group_chats: dict[str, GroupChat] = {}
        self.contact_ways: dict[str, ContactWay] = {}
        self.mass_tasks: dict[str, MassTask] = {}
        self.receipts: dict[str, list[float]] = {}  # external_userid / chat_id -> mass messages received
        self.welcome_codes: dict[str, WelcomeCode] = {}
        self.welcome_messages: list[dict[str, Any]] = []
        self.oauth_codes: dict[str, OAuthCode] = {}
        self.messages: list[dict[str, Any]] = []  # every message/send received, for tests to inspect
        # what staff sent into chats from a sidebar page (JS-SDK sendChatMessage), in demo and tests
        self.chat_messages: list[dict[str, Any]] = []
        self.default_welcome: set[str] = set()  # members with an admin-configured welcome: no WelcomeCode
        self.tickets: dict[str, tuple[str, float]] = {}  # "corp" / "agent" -> (jsapi ticket, expires_at)

    # -- ids and time ---------------------------------------------------------------------------

    def now(self) -> int:
        return int(self.clock())

    def new_id(self, prefix: str, length: int = 32, alphabet: str = _ALNUM) -> str:
        return prefix + "".join(self._rng.choice(alphabet) for _ in range(length - len(prefix)))

    def new_version(self) -> str:
        return hashlib.md5(self.new_id("v").encode()).hexdigest()

    # -- seeding helpers ------------------------------------------------------------------------

    def add_department(
        self, id: int, name: str, parentid: int = 1, order: int = 0, department_leader: Iterable[str] = ()
    ) -> Department:
        dept = Department(
            id=id, name=name, parentid=parentid, order=order, department_leader=list(department_leader)
        )
        self.departments[id] = dept
        return dept

    def add_member(
        self, userid: str, name: str | None = None, department: Iterable[int] = (1,), **fields: Any
    ) -> Member:
        member = Member(userid=userid, name=name or userid, department=list(department), **fields)
        self.members[userid] = member
        return member

    def add_customer(
        self,
        name: str | None = None,
        *,
        follow: Iterable[str | Mapping[str, Any]] = (),
        external_userid: str | None = None,
        **profile: Any,
    ) -> Customer:
        """A customer and, for each `follow` item (a userid or {"userid", remark, tag_ids...}), a relation."""
        unknown = set(profile) - _CUSTOMER_FIELDS
        if unknown:
            raise TypeError(f"unknown customer fields: {sorted(unknown)}")
        ext = external_userid or self.new_id("wm")
        customer = Customer(external_userid=ext, name=name or f"客户{ext[-4:]}", **profile)
        customer.unionid = customer.unionid or (self.new_id("o", 28) if customer.type == 1 else "")
        self.customers[ext] = customer
        for item in follow:
            spec = {"userid": item} if isinstance(item, str) else dict(item)
            self.add_follow(spec.pop("userid"), ext, **spec)
        return customer

    def add_follow(self, userid: str, external_userid: str, **fields: Any) -> Follow:
        unknown = set(fields) - _FOLLOW_FIELDS
        if unknown:
            raise TypeError(f"unknown follow fields: {sorted(unknown)}")
        if userid not in self.members:
            raise KeyError(f"no member {userid!r}")
        fields.setdefault("createtime", self.now())
        fields.setdefault("oper_userid", userid)
        fields.setdefault("last_interaction", float(fields["createtime"]))
        follow = Follow(userid=userid, external_userid=external_userid, **fields)
        self.follows[(userid, external_userid)] = follow
        return follow

    def add_tag_group(self, name: str, tags: Iterable[str] = (), order: int = 0) -> TagGroup:
        group = TagGroup(group_id=self.new_id("et"), group_name=name, order=order, create_time=self.now())
        self.tag_groups[group.group_id] = group
        for tag_name in tags:
            self.add_tag(group.group_id, tag_name)
        return group

    def add_tag(self, group_id: str, name: str, order: int = 0) -> Tag:
        tag = Tag(id=self.new_id("et"), name=name, group_id=group_id, order=order, create_time=self.now())
        self.tags[tag.id] = tag
        return tag

    def add_group_chat(
        self,
        owner: str,
        *,
        name: str = "",
        members: Iterable[str] = (),
        admins: Iterable[str] = (),
        notice: str = "",
        chat_id: str | None = None,
    ) -> GroupChat:
        """A customer group owned by `owner`; `members` mixes member userids and external userids."""
        now = self.now()
        chat = GroupChat(
            chat_id=chat_id or self.new_id("wr"),
            name=name,
            owner=owner,
            create_time=now,
            notice=notice,
            admin_list=list(admins),
        )
        for userid in [owner, *members]:
            if chat.find(userid) is None:
                chat.members.append(self.chat_member(userid, now, invitor=None if userid == owner else owner))
        chat.member_version = self.new_version()
        self.group_chats[chat.chat_id] = chat
        return chat

    def chat_member(
        self, userid: str, join_time: int, *, join_scene: int = 1, invitor: str | None = None
    ) -> ChatMember:
        if is_external_id(userid):
            customer = self.customers.get(userid)
            if customer is None:
                customer = self.add_customer(external_userid=userid)
            return ChatMember(
                userid=userid,
                type=2,
                join_time=join_time,
                join_scene=join_scene,
                invitor=invitor,
                unionid=customer.unionid,
                name=customer.name,
            )
        member = self.members.get(userid)
        return ChatMember(
            userid=userid,
            type=1,
            join_time=join_time,
            join_scene=join_scene,
            invitor=invitor,
            name=member.name if member else userid,
        )

    def add_contact_way(
        self, user: Iterable[str], *, scene: int = 2, state: str = "", **fields: Any
    ) -> ContactWay:
        users = list(user)
        fields.setdefault("type", 1 if len(users) == 1 else 2)
        way = ContactWay(
            config_id=self.new_id("", 32, "0123456789abcdef"),
            scene=scene,
            state=state,
            user=users,
            create_time=self.now(),
            **fields,
        )
        if scene == 2:
            way.qr_code = f"https://wework.qpic.cn/wwpic/emulator/{way.config_id}/0"
        self.contact_ways[way.config_id] = way
        return way

    def issue_welcome_code(self, userid: str, external_userid: str) -> str:
        code = self.new_id("", 43)
        self.welcome_codes[code] = WelcomeCode(code, userid, external_userid, issued_at=self.clock())
        return code

    def issue_oauth_code(
        self,
        userid: str | None = None,
        external_userid: str | None = None,
        stranger: str | None = None,
        appid: str = "",
    ) -> str:
        if sum(x is not None for x in (userid, external_userid, stranger)) != 1:
            raise ValueError("an OAuth code maps to exactly one of userid / external_userid / stranger")
        if external_userid is not None and external_userid not in self.customers:
            raise ValueError(f"no customer {external_userid!r}")
        code = self.new_id("", 43)
        self.oauth_codes[code] = OAuthCode(
            code,
            issued_at=self.clock(),
            userid=userid,
            external_userid=external_userid,
            stranger=stranger,
            appid=appid or self.corp.corp_id,
        )
        return code

    def openid(self, appid: str, person: str) -> str:
        """A WeChat user's openid under one app: the same person always gets the same one, as in WeChat."""
        digest = hashlib.sha256(f"openid:{appid}:{person}".encode()).digest()
        return "o" + base64.urlsafe_b64encode(digest).decode()[:27]

    def stranger_unionid(self, stranger: str) -> str:
        """A non-friend's unionid: stable, and no customer's."""
        digest = hashlib.sha256(f"unionid:{self.corp.corp_id}:{stranger}".encode()).digest()
        return "o" + base64.urlsafe_b64encode(digest).decode()[:27]

    # -- queries --------------------------------------------------------------------------------

    def follows_of_member(self, userid: str) -> list[Follow]:
        return sorted(
            self.follows.of_member(userid),
            key=lambda f: (f.createtime, f.external_userid),
        )

    def follows_of_customer(self, external_userid: str) -> list[Follow]:
        return sorted(
            self.follows.of_customer(external_userid),
            key=lambda f: (f.createtime, f.userid),
        )

    def tags_of_group(self, group_id: str, *, include_deleted: bool = False) -> list[Tag]:
        tags = [
            t for t in self.tags.values() if t.group_id == group_id and (include_deleted or not t.deleted)
        ]
        return sorted(tags, key=lambda t: (-t.order, t.create_time))

    def live_groups(self) -> list[TagGroup]:
        return sorted(
            (g for g in self.tag_groups.values() if not g.deleted), key=lambda g: (-g.order, g.create_time)
        )

    def find_tag_by_name(self, name: str, group_name: str | None = None) -> Tag | None:
        for tag in self.tags.values():
            group = self.tag_groups[tag.group_id]
            if not tag.deleted and tag.name == name and group_name in (None, group.group_name):
                return tag
        return None

    def delete_tag(self, tag_id: str) -> None:
        """Tombstone a tag, drop it from every relation, and the group too once it has no live tag."""
        tag = self.tags[tag_id]
        tag.deleted = True
        for follow in self.follows.values():
            if tag_id in follow.tag_ids:
                follow.tag_ids.remove(tag_id)
        if not self.tags_of_group(tag.group_id):
            self.tag_groups[tag.group_id].deleted = True

    def delete_group(self, group_id: str) -> None:
        for tag in self.tags_of_group(group_id):
            self.delete_tag(tag.id)
        self.tag_groups[group_id].deleted = True

    # -- snapshots for the control endpoints -----------------------------------------------------

    def relation_view(self, follow: Follow) -> dict[str, Any]:
        view = asdict(follow)
        view["tags"] = [
            {
                "tag_id": t,
                "tag_name": self.tags[t].name,
                "group_name": self.tag_groups[self.tags[t].group_id].group_name,
            }
            for t in follow.tag_ids
        ]
        return view

    def customer_view(self, external_userid: str) -> dict[str, Any]:
        view = asdict(self.customers[external_userid])
        view["follow"] = [self.relation_view(f) for f in self.follows_of_customer(external_userid)]
        return view
