"""change_contact: members and departments of the corp directory were created, changed or removed."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.contacts import directory
from bot.inbox.router import Context, Router
from bot.wecom.errors import NoPermission, UserNotFound
from bot.wecom.events import ContactEvent

router = Router()


async def fetch_member(event: ContactEvent, ctx: Context):
    # Since 2022 many configurations send only UserID and Department: re-read the member from the API.
    userid = event.new_user_id or event.user_id
    if event.change_type == "delete_user":
        return None
    try:
        return await ctx.wecom.get_user(userid)
    except (UserNotFound, NoPermission):
        return None  # gone, or no longer in the app's visible range


@router.register("change_contact", "create_user", fetch=fetch_member)
@router.register("change_contact", "update_user", fetch=fetch_member)
@router.register("change_contact", "delete_user", fetch=fetch_member)
async def on_member_changed(event: ContactEvent, ctx: Context) -> None:
    now = datetime.now(UTC)
    if ctx.fetched is None:
        await directory.remove_member(event.new_user_id or event.user_id, now)
    else:
        await directory.apply_member(ctx.fetched, now)
    if event.new_user_id and event.new_user_id != event.user_id:
        await directory.remove_member(event.user_id, now)  # the old userid no longer exists


async def fetch_departments(event: ContactEvent, ctx: Context):
    return await directory.fetch_departments(ctx.wecom)


@router.register("change_contact", "create_party", fetch=fetch_departments)
@router.register("change_contact", "update_party", fetch=fetch_departments)
@router.register("change_contact", "delete_party", fetch=fetch_departments)
async def on_department_changed(event: ContactEvent, ctx: Context) -> None:
    await directory.apply_departments(ctx.fetched, datetime.now(UTC))
