"""change_external_contact: customers were added, edited, lost, deleted, or a transfer failed."""

from __future__ import annotations

from bot.contacts import customers
from bot.inbox.router import Context, Router
from bot.values import from_epoch
from bot.wecom.events import ExternalContactEvent

router = Router()


async def fetch_customer(event: ExternalContactEvent, ctx: Context):
    # Callbacks can be lost or reordered (WeCom says so): re-read the customer, never patch from the event.
    return await customers.fetch_customer(ctx.wecom, event.external_user_id)


@router.register("change_external_contact", fetch=fetch_customer)
async def on_change_external_contact(event: ExternalContactEvent, ctx: Context) -> None:
    change = customers.Change(
        change_type=event.change_type,
        userid=event.user_id,
        occurred_at=from_epoch(event.create_time),
        fail_reason=event.fail_reason,
    )
    await customers.apply_customer(event.external_user_id, ctx.fetched, change)
