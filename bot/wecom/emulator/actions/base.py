"""Shared plumbing of user actions: lookups that refuse impossible actions, and event emission."""

from __future__ import annotations

from ...errors import ERRMSG
from .. import events
from ..apierror import ApiError
from ..callbacks import CallbackSender
from ..models import Follow, GroupChat, Member
from ..state import CorpState


class ActionError(Exception):
    """A user action that cannot happen in the real client (unknown member, no such friendship...)."""


class ActionsBase:
    def __init__(self, state: CorpState, sender: CallbackSender):
        self.state = state
        self.sender = sender

    @property
    def corp_id(self) -> str:
        return self.state.corp.corp_id

    def _emit(self, xml: str) -> None:
        self.sender.send(xml)

    def _contact_event(
        self, change_type: str, userid: str, external_userid: str, **fields: str | None
    ) -> None:
        self._emit(
            events.external_contact(
                self.corp_id, self.state.now(), change_type, userid, external_userid, **fields
            )
        )

    def _member(self, userid: str, *, contact: bool = False) -> Member:
        member = self.state.members.get(userid)
        if member is None or member.status != 1:
            raise ActionError(f"no active member {userid!r}")
        if contact and not member.external_contact:
            raise ActionError(f"member {userid!r} has no customer-contact permission")
        return member

    def _follow(self, userid: str, external_userid: str, *, live: bool = True) -> Follow:
        follow = self.state.follows.get((userid, external_userid))
        if follow is None or (live and follow.lost):
            raise ActionError(f"{userid!r} does not follow {external_userid!r}")
        return follow

    def _chat(self, chat_id: str) -> GroupChat:
        chat = self.state.group_chats.get(chat_id)
        if chat is None or chat.dismissed:
            raise ActionError(f"no group chat {chat_id!r}")
        return chat

    @staticmethod
    def _api(exc: ApiError) -> ActionError:
        return ActionError(f"{exc.errcode} {ERRMSG.get(exc.errcode, '')}: {exc.detail}")
