"""change_external_tag: an admin created, renamed, reordered or deleted corp tags in the WeCom console."""

from __future__ import annotations

from bot.contacts import tags
from bot.inbox.router import Context, Router
from bot.wecom.events import Event

router = Router()


async def fetch_tag_list(event: Event, ctx: Context):
    # The event names one id at most; WeCom's full list is the truth, read before the transaction.
    return await tags.fetch_tag_list(ctx.wecom)


@router.register("change_external_tag", fetch=fetch_tag_list)
async def on_change_external_tag(event: Event, ctx: Context) -> None:
    await tags.apply_tag_list(ctx.fetched)
