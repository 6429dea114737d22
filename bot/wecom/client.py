"""The async WeCom API client: one method per endpoint the SCRM uses, paging helpers included."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from typing import Any

from .errors import NoRelation
from .transport import WeComTransport

# §3.4: batch/get_by_user documents 100 userids per call, but tenants have answered 40058 "exceed max length
# 64"; 64 is safe for both.
BATCH_USERIDS = 64

Json = dict[str, Any]


def _drop_none(body: Mapping[str, Any]) -> Json:
    return {k: v for k, v in body.items() if v is not None}


class WeComClient(WeComTransport):
    """Customer contact (contact secret) and app/directory (agent secret) calls of one self-built app."""

    # -- customers ------------------------------------------------------------------------------

    async def get_follow_user_list(self) -> Json:
        return await self.call("GET", "externalcontact/get_follow_user_list", secret="contact")

    async def list_external_contacts(self, userid: str) -> Json:
        """externalcontact/list; a member without customers gives an empty list (WeCom answers 84061)."""
        try:
            return await self.call("GET", "externalcontact/list", secret="contact", params={"userid": userid})
        except NoRelation:
            return {"errcode": 0, "errmsg": "ok", "external_userid": []}

    async def get_external_contact(self, external_userid: str, cursor: str | None = None) -> Json:
        """externalcontact/get with every page of follow_user merged (pages only exist past 500 followers)."""
        params = {"external_userid": external_userid, "cursor": cursor or None}
        data = await self.call("GET", "externalcontact/get", secret="contact", params=params)
        follow_user = list(data.get("follow_user", []))
        next_cursor = data.get("next_cursor")
        while next_cursor:
            params["cursor"] = next_cursor
            page = await self.call("GET", "externalcontact/get", secret="contact", params=params)
            follow_user.extend(page.get("follow_user", []))
            next_cursor = page.get("next_cursor")
        data["follow_user"] = follow_user
        data.pop("next_cursor", None)
        return data

    async def batch_get_by_user(self, userid_list: Sequence[str], cursor: str = "", limit: int = 100) -> Json:
        body = {"userid_list": list(userid_list), "cursor": cursor, "limit": limit}
        return await self.call("POST", "externalcontact/batch/get_by_user", secret="contact", body=body)

    async def iter_customers_by_user(
        self, userids: Iterable[str], *, limit: int = 100
    ) -> AsyncIterator[Json]:
        """Every {external_contact, follow_info} of the members: chunks of 64 userids, cursors followed."""
        userids = list(userids)
        for start in range(0, len(userids), BATCH_USERIDS):
            chunk = userids[start : start + BATCH_USERIDS]
            cursor = ""
            while True:
                page = await self.batch_get_by_user(chunk, cursor=cursor, limit=limit)
                for item in page.get("external_contact_list", []):
                    yield item
                cursor = page.get("next_cursor") or ""
                if not cursor:
                    break

    async def remark(
        self,
        userid: str,
        external_userid: str,
        *,
        remark: str | None = None,
        description: str | None = None,
        remark_company: str | None = None,
        remark_mobiles: Sequence[str] | None = None,
        remark_pic_mediaid: str | None = None,
    ) -> Json:
        body = _drop_none(
            {
                "userid": userid,
                "external_userid": external_userid,
                "remark": remark,
                "description": description,
                "remark_company": remark_company,
                "remark_mobiles": list(remark_mobiles) if remark_mobiles is not None else None,
                "remark_pic_mediaid": remark_pic_mediaid,
            }
        )
        return await self.call("POST", "externalcontact/remark", secret="contact", body=body)

    # -- corp tags ------------------------------------------------------------------------------

    async def get_corp_tag_list(
        self, tag_ids: Sequence[str] | None = None, group_ids: Sequence[str] | None = None
    ) -> Json:
        body = _drop_none(
            {"tag_id": list(tag_ids) if tag_ids else None, "group_id": list(group_ids) if group_ids else None}
        )
        return await self.call("POST", "externalcontact/get_corp_tag_list", secret="contact", body=body)

    async def add_corp_tag(
        self,
        tags: Sequence[str | Mapping[str, Any]],
        *,
        group_id: str | None = None,
        group_name: str | None = None,
        order: int | None = None,
    ) -> Json:
        """Add tags (names or {"name", "order"}) into group_id, or into the group named group_name."""
        tag = [{"name": t} if isinstance(t, str) else dict(t) for t in tags]
        body = _drop_none({"group_id": group_id, "group_name": group_name, "order": order, "tag": tag})
        return await self.call("POST", "externalcontact/add_corp_tag", secret="contact", body=body)

    async def edit_corp_tag(self, id: str, *, name: str | None = None, order: int | None = None) -> Json:
        body = _drop_none({"id": id, "name": name, "order": order})
        return await self.call("POST", "externalcontact/edit_corp_tag", secret="contact", body=body)

    async def del_corp_tag(self, tag_ids: Sequence[str] = (), group_ids: Sequence[str] = ()) -> Json:
        body = _drop_none({"tag_id": list(tag_ids) or None, "group_id": list(group_ids) or None})
        return await self.call("POST", "externalcontact/del_corp_tag", secret="contact", body=body)

    async def mark_tag(
        self, userid: str, external_userid: str, add_tag: Sequence[str] = (), remove_tag: Sequence[str] = ()
    ) -> Json:
        body = {
            "userid": userid,
            "external_userid": external_userid,
            "add_tag": list(add_tag),
            "remove_tag": list(remove_tag),
        }
        return await self.call("POST", "externalcontact/mark_tag", secret="contact", body=body)

    # -- contact ways (联系我) -------------------------------------------------------------------

    async def add_contact_way(self, type: int, scene: int, **fields: Any) -> Json:
        """add_contact_way; fields as documented (user, party, state ≤ 30 chars, remark, skip_verify...)."""
        body = {"type": type, "scene": scene, **fields}
        return await self.call("POST", "externalcontact/add_contact_way", secret="contact", body=body)

    async def get_contact_way(self, config_id: str) -> Json:
        body = {"config_id": config_id}
        return await self.call("POST", "externalcontact/get_contact_way", secret="contact", body=body)

    async def update_contact_way(self, config_id: str, **fields: Any) -> Json:
        body = {"config_id": config_id, **fields}
        return await self.call("POST", "externalcontact/update_contact_way", secret="contact", body=body)

    async def del_contact_way(self, config_id: str) -> Json:
        body = {"config_id": config_id}
        return await self.call("POST", "externalcontact/del_contact_way", secret="contact", body=body)

    async def list_contact_way(
        self, start_time: int | None = None, end_time: int | None = None, cursor: str = "", limit: int = 100
    ) -> Json:
        body = _drop_none({"start_time": start_time, "end_time": end_time, "cursor": cursor, "limit": limit})
        return await self.call("POST", "externalcontact/list_contact_way", secret="contact", body=body)

    # -- mass messages (企业群发) and welcome ----------------------------------------------------

    async def add_msg_template(self, payload: Mapping[str, Any]) -> Json:
        return await self.call("POST", "externalcontact/add_msg_template", secret="contact", body=payload)

    async def get_groupmsg_list_v2(
        self,
        chat_type: str,
        start_time: int,
        end_time: int,
        *,
        creator: str | None = None,
        filter_type: int = 2,
        cursor: str = "",
        limit: int = 50,
    ) -> Json:
        body = _drop_none(
            {
                "chat_type": chat_type,
                "start_time": start_time,
                "end_time": end_time,
                "creator": creator,
                "filter_type": filter_type,
                "cursor": cursor,
                "limit": limit,
            }
        )
        return await self.call("POST", "externalcontact/get_groupmsg_list_v2", secret="contact", body=body)

    async def get_groupmsg_task(self, msgid: str, cursor: str = "", limit: int = 500) -> Json:
        body = {"msgid": msgid, "cursor": cursor, "limit": limit}
        return await self.call("POST", "externalcontact/get_groupmsg_task", secret="contact", body=body)

    async def get_groupmsg_send_result(
        self, msgid: str, userid: str, cursor: str = "", limit: int = 500
    ) -> Json:
        body = {"msgid": msgid, "userid": userid, "cursor": cursor, "limit": limit}
        return await self.call(
            "POST", "externalcontact/get_groupmsg_send_result", secret="contact", body=body
        )

    async def remind_groupmsg_send(self, msgid: str) -> Json:
        body = {"msgid": msgid}
        return await self.call("POST", "externalcontact/remind_groupmsg_send", secret="contact", body=body)

    async def cancel_groupmsg_send(self, msgid: str) -> Json:
        body = {"msgid": msgid}
        return await self.call("POST", "externalcontact/cancel_groupmsg_send", secret="contact", body=body)

    async def send_welcome_msg(
        self, welcome_code: str, text: str | None = None, attachments: Sequence[Mapping[str, Any]] = ()
    ) -> Json:
        """Send within 20 s of the add event; a used/expired code raises WelcomeCodeUsed (41051)."""
        body: Json = {"welcome_code": welcome_code}
        if text is not None:
            body["text"] = {"content": text}
        if attachments:
            body["attachments"] = [dict(a) for a in attachments]
        return await self.call("POST", "externalcontact/send_welcome_msg", secret="contact", body=body)

    # -- customer groups ------------------------------------------------------------------------

    async def groupchat_list(
        self,
        status_filter: int = 0,
        owner_userids: Sequence[str] | None = None,
        cursor: str = "",
        limit: int = 1000,
    ) -> Json:
        body: Json = {"status_filter": status_filter, "cursor": cursor, "limit": limit}
        if owner_userids:
            body["owner_filter"] = {"userid_list": list(owner_userids)}
        return await self.call("POST", "externalcontact/groupchat/list", secret="contact", body=body)

    async def iter_groupchats(
        self, status_filter: int = 0, owner_userids: Sequence[str] | None = None, *, limit: int = 1000
    ) -> AsyncIterator[Json]:
        """Every {chat_id, status} following next_cursor."""
        cursor = ""
        while True:
            page = await self.groupchat_list(status_filter, owner_userids, cursor=cursor, limit=limit)
            for item in page.get("group_chat_list", []):
                yield item
            cursor = page.get("next_cursor") or ""
            if not cursor:
                return

    async def groupchat_get(self, chat_id: str, need_name: bool = True) -> Json:
        body = {"chat_id": chat_id, "need_name": int(need_name)}
        return await self.call("POST", "externalcontact/groupchat/get", secret="contact", body=body)

    # -- app messages, directory, identity (agent secret) ---------------------------------------

    async def send_message(self, payload: Mapping[str, Any]) -> Json:
        """message/send with our agentid filled in; the caller gives touser/msgtype/content."""
        body = {**payload, "agentid": self.agent_id}
        return await self.call("POST", "message/send", body=body)

    async def get_user(self, userid: str) -> Json:
        return await self.call("GET", "user/get", params={"userid": userid})

    async def list_users(self, department_id: int) -> Json:
        return await self.call("GET", "user/list", params={"department_id": department_id})

    async def list_departments(self, id: int | None = None) -> Json:
        return await self.call("GET", "department/list", params={"id": id})

    async def get_user_info_by_code(self, code: str) -> Json:
        """auth/getuserinfo: {userid, user_ticket} for a member or {openid, external_userid} for others."""
        return await self.call("GET", "auth/getuserinfo", params={"code": code})
