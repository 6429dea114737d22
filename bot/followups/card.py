"""The sidebar's customer card: the customer as the viewer sees them, with the stage they set."""

from __future__ import annotations

from typing import Any

from bot.contacts import reads
from bot.contacts.scope import Viewer
from bot.followups import stages


async def customer_card(viewer: Viewer, external_userid: str) -> dict[str, Any] | None:
    """The customer as the viewer sees them: their own relation first, the other followers after; None
    when the customer is outside the viewer's scope (the page answers 404)."""
    detail = await reads.customer_detail(viewer, external_userid)
    if detail is None:
        return None
    mine = next((r for r in detail["relations"] if r["userid"] == viewer.userid), None)
    others = [r for r in detail["relations"] if r["userid"] != viewer.userid and r["status"] == "active"]
    return {
        **detail,
        "mine": mine,
        "others": others,
        "editable": bool(mine and mine["status"] == "active"),
        "stage": await stages.stage_of(external_userid, viewer.userid),
        "stages": await stages.list_stages(),
    }
