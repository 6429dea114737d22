"""What staff change about their customer from the sidebar: tags and remark, written to WeCom first.

WeCom sends no callback for changes made through its API, so after WeCom accepts a change the customer is
re-read and applied like an edit event: the mirror and the timeline follow in the same step.
"""

from __future__ import annotations

from collections.abc import Sequence

from tortoise.transactions import in_transaction

from bot.contacts import customers
from bot.contacts.models import FollowRelation, Tag
from bot.wecom.errors import WeComError

REMARK_MAX = 20  # WeCom's limit for a remark (备注)
DESCRIPTION_MAX = 150  # and for a description (描述)


class EditRefused(Exception):
    """The change was not made; the message says why, in Chinese, for the person who tried."""


async def _relation(userid: str, external_userid: str) -> FollowRelation:
    relation = await FollowRelation.get_or_none(customer_id=external_userid, userid=userid)
    if relation is None or relation.status != FollowRelation.ACTIVE:
        raise EditRefused("你不是这位客户的跟进人，不能修改。")
    return relation


async def _refresh(wecom, userid: str, external_userid: str) -> None:
    data = await customers.fetch_customer(wecom, external_userid)
    async with in_transaction():
        await customers.apply_customer(
            external_userid, data, customers.Change("edit_external_contact", userid)
        )


async def change_tags(
    wecom, userid: str, external_userid: str, add: Sequence[str] = (), remove: Sequence[str] = ()
) -> None:
    """Add and remove corp tags on the staff member's relation with the customer (mark_tag)."""
    await _relation(userid, external_userid)
    wanted = set(add) | set(remove)
    live = set(await Tag.filter(tag_id__in=wanted, deleted=False).values_list("tag_id", flat=True))
    if wanted - live:
        raise EditRefused("这个标签已被删除，请刷新页面。")
    try:
        await wecom.mark_tag(userid, external_userid, add_tag=list(add), remove_tag=list(remove))
    except WeComError as exc:
        raise EditRefused(f"企业微信未能修改标签（{exc.errcode}），请稍后再试。") from exc
    await _refresh(wecom, userid, external_userid)


async def change_remark(wecom, userid: str, external_userid: str, remark: str, description: str) -> None:
    """Set the remark and description the staff member keeps for the customer (externalcontact/remark)."""
    remark, description = remark.strip(), description.strip()
    if len(remark) > REMARK_MAX:
        raise EditRefused(f"备注最多 {REMARK_MAX} 个字。")
    if len(description) > DESCRIPTION_MAX:
        raise EditRefused(f"描述最多 {DESCRIPTION_MAX} 个字。")
    await _relation(userid, external_userid)
    try:
        await wecom.remark(userid, external_userid, remark=remark, description=description)
    except WeComError as exc:
        raise EditRefused(f"企业微信未能修改备注（{exc.errcode}），请稍后再试。") from exc
    await _refresh(wecom, userid, external_userid)
