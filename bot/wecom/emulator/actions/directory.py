"""User actions on the address book (change_contact): members and departments created, edited, deleted."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .. import events
from ..events import Value
from ..models import Member
from .base import ActionError, ActionsBase

_MEMBER_FIELDS = {
    "name",
    "position",
    "gender",
    "mobile",
    "alias",
    "avatar",
    "status",
    "external_contact",
    "visible",
}


def _csv(values: Iterable[Any]) -> str:
    return ",".join(str(v) for v in values)


class DirectoryActions(ActionsBase):
    def create_user(
        self, userid: str, name: str | None = None, department: Iterable[int] = (1,), **fields: Any
    ) -> dict[str, Any]:
        if userid in self.state.members:
            raise ActionError(f"member {userid!r} exists")
        self._check_fields(fields, extra={"is_leader_in_dept"})
        member = self.state.add_member(userid, name, list(department), **fields)
        self._contact("create_user", [("UserID", userid), *self._member_fields(member)])
        return {"userid": userid}

    def update_user(self, userid: str, new_userid: str | None = None, **fields: Any) -> dict[str, Any]:
        """Edit a member; `new_userid` renames it everywhere (relations, groups) and is sent as NewUserID."""
        member = self.state.members.get(userid)
        if member is None:
            raise ActionError(f"no member {userid!r}")
        self._check_fields(fields, extra={"department", "is_leader_in_dept"})
        for key, value in fields.items():
            setattr(member, key, list(value) if key in ("department", "is_leader_in_dept") else value)
        if new_userid and new_userid != userid:
            self._rename(member, new_userid)
        self._contact(
            "update_user",
            [("UserID", userid), ("NewUserID", new_userid or None), *self._member_fields(member)],
        )
        return {"userid": member.userid}

    def delete_user(self, userid: str) -> dict[str, Any]:
        """The member leaves the directory; their groups become "owner resigned" (status 1)."""
        if self.state.members.pop(userid, None) is None:
            raise ActionError(f"no member {userid!r}")
        for chat in self.state.group_chats.values():
            if chat.owner == userid:
                chat.status = 1
        self._contact("delete_user", [("UserID", userid)])
        return {"userid": userid}

    def create_party(self, id: int, name: str, parentid: int = 1, order: int = 0) -> dict[str, Any]:
        if id in self.state.departments:
            raise ActionError(f"department {id} exists")
        if parentid not in self.state.departments:
            raise ActionError(f"no parent department {parentid}")
        self.state.add_department(id, name, parentid, order)
        self._contact("create_party", [("Id", id), ("Name", name), ("ParentId", parentid), ("Order", order)])
        return {"id": id}

    def update_party(self, id: int, name: str | None = None, parentid: int | None = None) -> dict[str, Any]:
        dept = self.state.departments.get(id)
        if dept is None:
            raise ActionError(f"no department {id}")
        dept.name = name if name is not None else dept.name
        dept.parentid = parentid if parentid is not None else dept.parentid
        self._contact("update_party", [("Id", id), ("Name", name), ("ParentId", parentid)])
        return {"id": id}

    def delete_party(self, id: int) -> dict[str, Any]:
        if id not in self.state.departments or id == 1:
            raise ActionError(f"no deletable department {id}")
        if any(d.parentid == id for d in self.state.departments.values()) or any(
            id in m.department for m in self.state.members.values()
        ):
            raise ActionError(f"department {id} still has members or sub-departments")
        del self.state.departments[id]
        self._contact("delete_party", [("Id", id)])
        return {"id": id}

    def _contact(self, change_type: str, fields: list[tuple[str, Value]]) -> None:
        self._emit(events.contact(self.corp_id, self.state.now(), change_type, fields))

    @staticmethod
    def _check_fields(fields: dict[str, Any], extra: set[str]) -> None:
        unknown = set(fields) - _MEMBER_FIELDS - extra
        if unknown:
            raise ActionError(f"unknown member fields: {sorted(unknown)}")

    @staticmethod
    def _member_fields(member: Member) -> list[tuple[str, Value]]:
        return [
            ("Name", member.name),
            ("Department", _csv(member.department)),
            ("MainDepartment", member.department[0] if member.department else 1),
            ("IsLeaderInDept", _csv(1 if d in member.is_leader_in_dept else 0 for d in member.department)),
            ("Position", member.position),
            ("Mobile", member.mobile or None),
            ("Gender", member.gender or None),
            ("Status", member.status),
            ("Avatar", member.avatar or None),
            ("Alias", member.alias or None),
        ]

    def _rename(self, member: Member, new_userid: str) -> None:
        state, old = self.state, member.userid
        if new_userid in state.members:
            raise ActionError(f"member {new_userid!r} exists")
        del state.members[old]
        member.userid = new_userid
        state.members[new_userid] = member
        for key in [k for k in state.follows if k[0] == old]:
            follow = state.follows.pop(key)
            follow.userid = new_userid
            state.follows[(new_userid, key[1])] = follow
        for chat in state.group_chats.values():
            chat.owner = new_userid if chat.owner == old else chat.owner
            chat.admin_list = [new_userid if a == old else a for a in chat.admin_list]
            for m in chat.members:
                m.userid = new_userid if m.userid == old else m.userid
