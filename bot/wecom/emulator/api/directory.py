"""Emulated directory reads: user/get, user/list and department/list (§3.10)."""

from __future__ import annotations

from typing import Any

from ..apierror import ApiError
from ..models import Member
from ..state import CorpState
from .fields import Int, Str
from .routing import Call, route

DEPARTMENT_MAX = 2**31


def member_json(state: CorpState, member: Member) -> dict[str, Any]:
    return {
        "userid": member.userid,
        "name": member.name,
        "department": list(member.department),
        "order": [0 for _ in member.department],
        "position": member.position,
        "gender": str(member.gender),  # WeCom sends the gender as a string here
        "is_leader_in_dept": [1 if d in member.is_leader_in_dept else 0 for d in member.department],
        "direct_leader": [],
        "main_department": member.department[0] if member.department else 1,
        "status": member.status,
        "alias": member.alias,
        "avatar": member.avatar,
        "thumb_avatar": member.avatar,
        "mobile": member.mobile,
        "open_userid": member.userid,
    }


@route("user/get", Str("userid", required=41009), method="GET")
def user_get(call: Call) -> dict[str, Any]:
    userid = call.arg("userid")
    member = call.state.members.get(userid)
    if member is None:
        raise ApiError(60111, userid)
    if not member.visible:
        raise ApiError(60011, userid)
    return member_json(call.state, member)


@route("user/list", Int("department_id", lo=1, hi=DEPARTMENT_MAX, default=-1), method="GET")
def user_list(call: Call) -> dict[str, Any]:
    state = call.state
    department_id = call.arg("department_id")
    if department_id not in state.departments:
        raise ApiError(60123, str(department_id))
    members = [m for m in state.members.values() if m.visible and department_id in m.department]
    return {"userlist": [member_json(state, m) for m in members]}


@route("department/list", Int("id", lo=1, hi=DEPARTMENT_MAX), method="GET")
def department_list(call: Call) -> dict[str, Any]:
    state = call.state
    root_id = call.arg("id")
    departments = list(state.departments.values())
    if root_id is not None:
        if root_id not in state.departments:
            raise ApiError(60123, str(root_id))
        subtree, frontier = {root_id}, [root_id]
        while frontier:
            parent = frontier.pop()
            for d in departments:
                if d.parentid == parent and d.id not in subtree:
                    subtree.add(d.id)
                    frontier.append(d.id)
        departments = [d for d in departments if d.id in subtree]
    return {
        "department": [
            {
                "id": d.id,
                "name": d.name,
                "parentid": d.parentid,
                "order": d.order,
                "department_leader": d.department_leader,
            }
            for d in sorted(departments, key=lambda d: d.id)
        ]
    }
