"""The console's forms: read a person's input, refuse bad input in Chinese, name the user action to run."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..models import Follow
from ..state import CorpState

TAG_NAME_MAX = 30  # WeCom's limit for a corp tag's name
REMARK_MAX = 20  # and for a customer remark


class FormError(Exception):
    """Input a person can fix: the message is shown on the page as it is."""


@dataclass
class Planned:
    """A user action ready to run, with what the page says about it."""

    action: str
    kwargs: dict[str, Any]
    summary: str
    external_userid: str = ""  # the customer it affects, for the 在 SCRM 中查看 link


Form = Mapping[str, str]


def _text(form: Form, key: str, label: str, *, limit: int = 0) -> str:
    value = (form.get(key) or "").strip()
    if not value:
        raise FormError(f"请填写{label}")
    if limit and len(value) > limit:
        raise FormError(f"{label}不能超过 {limit} 个字（现在 {len(value)} 个）")
    return value


def _staff(state: CorpState, form: Form) -> str:
    userid = _text(form, "userid", "员工")
    member = state.members.get(userid)
    if member is None or member.status != 1:
        raise FormError(f"员工「{userid}」不存在或已停用")
    if not member.external_contact:
        raise FormError(f"员工「{member.name}」没有客户联系权限")
    return userid


def _customer(state: CorpState, form: Form) -> str:
    ext = _text(form, "external_userid", "客户 external_userid")
    if ext not in state.customers:
        raise FormError(f"客户「{ext}」不存在")
    return ext


def _relation(state: CorpState, form: Form, *, live: bool) -> tuple[Follow, str]:
    userid, ext = _staff(state, form), _customer(state, form)
    follow = state.follows.get((userid, ext))
    names = f"员工「{state.members[userid].name}」和客户「{state.customers[ext].name}」"
    if follow is None:
        raise FormError(f"{names}不是好友")
    if live and follow.lost:
        raise FormError(f"{names}已不是好友：客户已删除该员工（已流失）")
    return follow, state.members[userid].name


def add_customer(state: CorpState, form: Form) -> Planned:
    userid = _staff(state, form)
    name = _text(form, "name", "客户昵称", limit=REMARK_MAX)
    gender = form.get("gender") or "0"
    if gender not in ("0", "1", "2"):
        raise FormError("性别只能是 未知 / 男 / 女")
    config_id = (form.get("config_id") or "").strip()
    way = state.contact_ways.get(config_id) if config_id else None
    if config_id and way is None:
        raise FormError(f"渠道活码「{config_id}」不存在")
    staff_name = state.members[userid].name
    if (
        way is not None
        and userid not in way.user
        and not set(state.members[userid].department) & set(way.party)
    ):
        raise FormError(f"员工「{staff_name}」不是渠道「{way.state or way.remark}」的接待人员")
    channel = f"通过渠道「{way.state}」" if way is not None and way.state else "（搜索手机号）"
    return Planned(
        "customer_adds_member",
        {"userid": userid, "customer": {"name": name, "gender": int(gender)}, "state": config_id or None},
        f"客户「{name}」{channel}添加了员工「{staff_name}」",
    )


def customer_deletes_member(state: CorpState, form: Form) -> Planned:
    follow, staff_name = _relation(state, form, live=True)
    ext = follow.external_userid
    return Planned(
        "customer_deletes_member",
        {"userid": follow.userid, "external_userid": ext},
        f"客户「{state.customers[ext].name}」删除了员工「{staff_name}」",
        ext,
    )


def member_deletes_customer(state: CorpState, form: Form) -> Planned:
    follow, staff_name = _relation(state, form, live=False)
    ext = follow.external_userid
    return Planned(
        "member_deletes_customer",
        {"userid": follow.userid, "external_userid": ext},
        f"员工「{staff_name}」删除了客户「{state.customers[ext].name}」",
        ext,
    )


def edit_remark(state: CorpState, form: Form) -> Planned:
    follow, staff_name = _relation(state, form, live=False)
    remark = _text(form, "remark", "备注", limit=REMARK_MAX)
    ext = follow.external_userid
    return Planned(
        "member_edits_customer",
        {"userid": follow.userid, "external_userid": ext, "remark": remark},
        f"员工「{staff_name}」把客户「{state.customers[ext].name}」的备注改为「{remark}」",
        ext,
    )


def group_membership(state: CorpState, form: Form) -> Planned:
    chat_id = _text(form, "chat_id", "客户群")
    chat = state.group_chats.get(chat_id)
    if chat is None or chat.dismissed:
        raise FormError(f"客户群「{chat_id}」不存在或已解散")
    ext = _customer(state, form)
    name, inside = state.customers[ext].name, chat.find(ext) is not None
    if form.get("op") == "join":
        if inside:
            raise FormError(f"客户「{name}」已经在群「{chat.name}」里")
        return Planned(
            "customer_joins_group",
            {"chat_id": chat_id, "external_userid": ext, "join_scene": 3},
            f"客户「{name}」扫码加入了群「{chat.name}」",
            ext,
        )
    if form.get("op") == "leave":
        if not inside:
            raise FormError(f"客户「{name}」不在群「{chat.name}」里")
        return Planned(
            "customer_leaves_group",
            {"chat_id": chat_id, "external_userid": ext},
            f"客户「{name}」退出了群「{chat.name}」",
            ext,
        )
    raise FormError("请选择 入群 或 退群")


def _tag(state: CorpState, form: Form) -> tuple[str, str]:
    tag_id = _text(form, "tag_id", "标签")
    tag = state.tags.get(tag_id)
    if tag is None or tag.deleted:
        raise FormError(f"标签「{tag_id}」不存在或已删除")
    return tag_id, tag.name


def tag_edit(state: CorpState, form: Form) -> Planned:
    op = form.get("op")
    if op == "create":
        group_name = _text(form, "group_name", "标签组", limit=TAG_NAME_MAX)
        name = _text(form, "name", "标签名", limit=TAG_NAME_MAX)
        group = next((g for g in state.live_groups() if g.group_name == group_name), None)
        if group is not None and any(t.name == name for t in state.tags_of_group(group.group_id)):
            raise FormError(f"标签组「{group_name}」里已经有标签「{name}」")
        return Planned(
            "admin_creates_tag",
            {"name": name, "group_name": group_name},
            f"管理员在标签组「{group_name}」中新建了标签「{name}」",
        )
    if op == "rename":
        tag_id, old = _tag(state, form)
        name = _text(form, "name", "新标签名", limit=TAG_NAME_MAX)
        return Planned(
            "admin_updates_tag", {"id": tag_id, "name": name}, f"管理员把标签「{old}」改名为「{name}」"
        )
    if op == "delete":
        tag_id, old = _tag(state, form)
        return Planned("admin_deletes_tag", {"id": tag_id}, f"管理员删除了标签「{old}」")
    raise FormError("请选择 新建、改名 或 删除")


FORMS: dict[str, Callable[[CorpState, Form], Planned]] = {
    "add_customer": add_customer,
    "customer_deletes_member": customer_deletes_member,
    "member_deletes_customer": member_deletes_customer,
    "edit_remark": edit_remark,
    "group": group_membership,
    "tag": tag_edit,
}
