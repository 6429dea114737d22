"""change_external_chat: customer groups were created, changed (members, owner, name, notice) or dismissed."""

from __future__ import annotations

from bot.contacts import groups
from bot.inbox.router import Context, Router
from bot.values import from_epoch
from bot.wecom.events import ExternalChatEvent

router = Router()


async def fetch_group(event: ExternalChatEvent, ctx: Context):
    if event.change_type == "dismiss":
        return None
    return await groups.fetch_group(ctx.wecom, event.chat_id)


@router.register("change_external_chat", fetch=fetch_group)
async def on_change_external_chat(event: ExternalChatEvent, ctx: Context) -> None:
    await groups.apply_group(event.chat_id, ctx.fetched, from_epoch(event.create_time))
