"""User actions in customer groups (change_external_chat) and on mass-message tasks (no events)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .. import events, mass
from ..apierror import ApiError
from ..models import GroupChat
from ..state import is_external_id
from .base import ActionError, ActionsBase


class ChatActions(ActionsBase):
    def group_created(
        self, owner: str, name: str = "", members: Iterable[str] = (), chat_id: str | None = None
    ) -> dict[str, Any]:
        """The owner creates a customer group: create."""
        self._member(owner, contact=True)
        chat = self.state.add_group_chat(owner, name=name, members=members, chat_id=chat_id)
        self._chat_event("create", chat)
        return {"chat_id": chat.chat_id, "member_version": chat.member_version}

    def group_dismissed(self, chat_id: str) -> dict[str, Any]:
        chat = self._chat(chat_id)
        chat.dismissed = True
        self._chat_event("dismiss", chat)
        return {"chat_id": chat_id}

    def group_renamed(self, chat_id: str, name: str) -> dict[str, Any]:
        chat = self._chat(chat_id)
        chat.name = name
        self._chat_event("update", chat, update_detail="change_name")
        return {"chat_id": chat_id, "name": name}

    def group_notice_changed(self, chat_id: str, notice: str) -> dict[str, Any]:
        chat = self._chat(chat_id)
        chat.notice = notice
        self._chat_event("update", chat, update_detail="change_notice")
        return {"chat_id": chat_id, "notice": notice}

    def group_owner_changed(self, chat_id: str, new_owner: str) -> dict[str, Any]:
        chat = self._chat(chat_id)
        self._member(new_owner, contact=True)
        if chat.find(new_owner) is None:
            chat.members.append(self.state.chat_member(new_owner, self.state.now(), invitor=chat.owner))
            chat.member_version = self.state.new_version()
        chat.owner = new_owner
        self._chat_event("update", chat, update_detail="change_owner")
        return {"chat_id": chat_id, "owner": new_owner}

    def customer_joins_group(
        self,
        chat_id: str,
        external_userid: str | None = None,
        join_scene: int = 3,
        invitor: str | None = None,
    ) -> dict[str, Any]:
        """A customer joins (a new one when external_userid is None). `join_scene` uses groupchat/get's enum
        (1 direct invite, 2 invite link, 3 group QR); the event carries 3 for QR and 0 for invitations."""
        if external_userid is None:
            external_userid = self.state.add_customer().external_userid
        elif not is_external_id(external_userid):
            raise ActionError(f"{external_userid!r} is not an external userid")
        return self._join(chat_id, external_userid, join_scene, invitor)

    def customer_leaves_group(
        self, chat_id: str, external_userid: str, removed_by: str | None = None
    ) -> dict[str, Any]:
        """The customer quits (QuitScene 0) or is removed by owner/admin `removed_by` (QuitScene 1)."""
        return self._leave(chat_id, external_userid, removed_by)

    def member_joins_group(
        self, chat_id: str, userid: str, join_scene: int = 1, invitor: str | None = None
    ) -> dict[str, Any]:
        self._member(userid)
        return self._join(chat_id, userid, join_scene, invitor)

    def member_leaves_group(self, chat_id: str, userid: str, removed_by: str | None = None) -> dict[str, Any]:
        return self._leave(chat_id, userid, removed_by)

    def _join(self, chat_id: str, userid: str, join_scene: int, invitor: str | None) -> dict[str, Any]:
        chat = self._chat(chat_id)
        if chat.find(userid) is not None:
            raise ActionError(f"{userid!r} is already in {chat_id!r}")
        member = self.state.chat_member(
            userid,
            self.state.now(),
            join_scene=join_scene,
            invitor=invitor or (None if join_scene == 3 else chat.owner),
        )
        chat.members.append(member)
        last, chat.member_version = chat.member_version, self.state.new_version()
        self._chat_event(
            "update",
            chat,
            update_detail="add_member",
            join_scene=3 if join_scene == 3 else 0,
            changed=[userid],
            last_mem_ver=last,
            cur_mem_ver=chat.member_version,
        )
        return {"chat_id": chat_id, "userid": userid, "member_version": chat.member_version}

    def _leave(self, chat_id: str, userid: str, removed_by: str | None) -> dict[str, Any]:
        chat = self._chat(chat_id)
        member = chat.find(userid)
        if member is None:
            raise ActionError(f"{userid!r} is not in {chat_id!r}")
        if userid == chat.owner:
            raise ActionError("the owner cannot leave; change the owner or dismiss the group")
        chat.members.remove(member)
        last, chat.member_version = chat.member_version, self.state.new_version()
        self._chat_event(
            "update",
            chat,
            update_detail="del_member",
            quit_scene=1 if removed_by else 0,
            changed=[userid],
            last_mem_ver=last,
            cur_mem_ver=chat.member_version,
        )
        return {"chat_id": chat_id, "userid": userid, "member_version": chat.member_version}

    def _chat_event(self, change_type: str, chat: GroupChat, **fields: Any) -> None:
        self._emit(events.external_chat(self.corp_id, self.state.now(), change_type, chat.chat_id, **fields))


class MassActions(ActionsBase):
    def member_confirms_mass_send(self, userid: str, msgid: str) -> dict[str, Any]:
        """The member taps "send" on a mass task: recipients become sent / not a friend / capped (§4)."""
        task = self.state.mass_tasks.get(msgid)
        if task is None:
            raise ActionError(f"no mass task {msgid!r}")
        try:
            counts = mass.confirm(self.state, task, userid)
        except ApiError as exc:
            raise self._api(exc) from None
        return {"msgid": msgid, "userid": userid, **counts}

    def member_creates_mass_send(
        self,
        userid: str,
        text: str,
        external_userids: Iterable[str] = (),
        chat_type: str = "single",
        chat_ids: Iterable[str] = (),
    ) -> dict[str, Any]:
        """A member-created mass message (create_type 1, creator set); it still waits for confirmation."""
        self._member(userid, contact=True)
        body = {
            "chat_type": chat_type,
            "sender": userid,
            "external_userid": list(external_userids),
            "chat_id_list": list(chat_ids),
        }
        try:
            task, fail_list = mass.create_task(
                self.state, body, {"content": text}, [], create_type=1, creator=userid
            )
        except ApiError as exc:
            raise self._api(exc) from None
        return {"msgid": task.msgid, "fail_list": fail_list}

    def oauth_login(
        self,
        userid: str | None = None,
        external_userid: str | None = None,
        stranger: str | None = None,
        appid: str = "",
    ) -> dict[str, Any]:
        """Someone opens an OAuth link: a single-use 5-minute code for auth/getuserinfo, or for WeChat's
        sns/oauth2/access_token when `appid` is the official account's. `stranger` names a WeChat user
        who is no customer of the corp (any stable label)."""
        if userid is not None:
            self._member(userid)
        try:
            code = self.state.issue_oauth_code(
                userid=userid, external_userid=external_userid, stranger=stranger, appid=appid
            )
        except ValueError as exc:
            raise ActionError(str(exc)) from None
        return {"code": code}
