"""Batch actions on follow relations, run as task-center tasks: add and remove corp tags (mark_tag).

Each item is one (external_userid, userid) relation resolved when the task started. The creator's scope is
checked again when the item runs, so a task outlives no one's access.
"""

from __future__ import annotations

from typing import Any

from tortoise.transactions import in_transaction

from bot.contacts import customers, scope
from bot.contacts.edits import EditRefused, change_tags
from bot.contacts.models import FollowRelation
from bot.tasks.kinds import DONE, ItemFailed, Json, Kind, Outcome, TaskContext, TaskRefused, skipped
from bot.wecom.errors import WeComError

TAGS_MAX = 100  # tags one task adds and removes; WeCom takes up to 1000 per mark_tag, a person picks a few
SCOPE_TTL = 30.0  # seconds a creator's scope is reused between items

NOT_STAFF = "创建人已不是在职员工，未执行。"
OUT_OF_SCOPE = "创建人已无权查看这位客户，未执行。"
NO_RELATION = "这位客户与该员工已不是好友，未执行。"


def _tag_list(params: Json, name: str) -> list[str]:
    value = params.get(name) or []
    if not isinstance(value, list) or not all(isinstance(t, str) and t for t in value):
        raise TaskRefused("标签参数有误，请重新选择标签。")
    return list(dict.fromkeys(value))


def check_tag_params(params: Json) -> Json:
    add, remove = _tag_list(params, "add"), _tag_list(params, "remove")
    if not add and not remove:
        raise TaskRefused("请至少选择一个要添加或移除的标签。")
    if set(add) & set(remove):
        raise TaskRefused("同一个标签不能既添加又移除。")
    if len(add) + len(remove) > TAGS_MAX:
        raise TaskRefused(f"一次最多处理 {TAGS_MAX} 个标签。")
    return {"add": add, "remove": remove}


async def _creator_scope(ctx: TaskContext) -> tuple[bool, frozenset[str] | None]:
    """(still staff, the userids whose customers the creator sees — None for everyone)."""
    if not ctx.creator:
        return True, None  # an API token reads like an admin
    viewer = await scope.viewer_for(ctx.creator, ctx.settings.access)
    if viewer is None:
        return False, frozenset()
    return True, await scope.visible_userids(viewer)


async def _refusal(ctx: TaskContext, external_userid: str, userid: str) -> str:
    """Why the item may not run now ("" when it may)."""
    active, visible = await ctx.cached("scope", SCOPE_TTL, lambda: _creator_scope(ctx))
    if not active:
        return NOT_STAFF
    if visible is not None and userid not in visible:
        return OUT_OF_SCOPE
    if not await FollowRelation.exists(
        customer_id=external_userid, userid=userid, status=FollowRelation.ACTIVE
    ):
        return NO_RELATION
    return ""


async def run_tag_item(ctx: TaskContext, item: Json, params: Json) -> Outcome:
    external_userid, userid = item["external_userid"], item["userid"]
    if reason := await _refusal(ctx, external_userid, userid):
        return skipped(reason)
    try:
        await change_tags(ctx.wecom, userid, external_userid, add=params["add"], remove=params["remove"])
    except EditRefused as exc:
        cause = exc.__cause__
        if isinstance(cause, WeComError):
            raise ItemFailed(cause.errmsg, cause.errcode) from exc
        raise ItemFailed(str(exc)) from exc
    return DONE


async def tags_applied(ctx: TaskContext, item: Json, params: Json) -> bool:
    """After a crash: does WeCom already show the relation with the tags added and removed? The answer
    also brings the mirror up to date, which the interrupted run may not have done."""
    external_userid, userid = item["external_userid"], item["userid"]
    data = await customers.fetch_customer(ctx.wecom, external_userid)
    follow: dict[str, Any] | None = next(
        (f for f in (data or {}).get("follow_user", []) if f.get("userid") == userid), None
    )
    if follow is None:
        return False
    tags = {t.get("tag_id") for t in follow.get("tags", [])}
    if not set(params["add"]) <= tags or set(params["remove"]) & tags:
        return False
    async with in_transaction():
        await customers.apply_customer(
            external_userid, data, customers.Change("edit_external_contact", userid)
        )
    return True


BATCH_TAG = Kind(
    name="contacts.batch_tag",
    label="批量打标签",
    run_item=run_tag_item,
    check_item=tags_applied,
    check_params=check_tag_params,
    item_fields=("external_userid", "userid"),
)

KINDS = (BATCH_TAG,)
