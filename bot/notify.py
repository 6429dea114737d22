"""Staff notifications: WeCom textcards rendered from templates/notify/, sized to WeCom's limits and paced
under its per-member cap; the domains (reminders, radar alerts) decide what to send and when."""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import quote

import jinja2

from bot.settings import Settings
from bot.values import local_time

log = logging.getLogger(__name__)

TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "notify"
# The sidebar's customer page: where a card's 详情 button leads.
SIDEBAR_CUSTOMER_PATH = "/sidebar/customers/{external_userid}"
# textcard limits in bytes (wecom-protocol.md §3.9); btntxt is at most 4 characters.
TITLE_BYTES, DESCRIPTION_BYTES = 128, 512
BUTTON = "详情"
# Longest excerpts tried, longest first, until the card fits WeCom's limits.
EXCERPTS = (200, 100, 40)
NAME_MAX = 20
# WeCom silently drops app messages to one member beyond 30 a minute (wecom-protocol.md §3.3); the
# rest of a burst waits for later runs, with room left for other notifications.
PER_MEMBER_PER_MINUTE = 25

_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    auto_reload=False,
)
_env.filters["local"] = local_time


class CardTooLong(ValueError):
    """A card WeCom would refuse (45002/40058) even with the shortest excerpt."""


def textcard(template: str, url: str, **context) -> dict[str, str]:
    """The title and description blocks of a template as a textcard leading to `url`."""
    t = _env.get_template(template)
    blocks = {name: "".join(t.blocks[name](t.new_context(context))) for name in ("title", "description")}
    # Lines are for reading the template; WeCom shows the divs as they come.
    card = {name: "".join(line.strip() for line in text.splitlines()) for name, text in blocks.items()}
    return {**card, "url": url, "btntxt": BUTTON}


def customer_url(settings: Settings, external_userid: str) -> str:
    return settings.public_url + SIDEBAR_CUSTOMER_PATH.format(external_userid=quote(external_userid, safe=""))


async def send_textcard(wecom, userid: str, card: dict[str, str]) -> None:
    await wecom.send_message({"touser": userid, "msgtype": "textcard", "textcard": card})


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def fits(card: dict[str, str]) -> bool:
    return (
        len(card["title"].encode()) <= TITLE_BYTES and len(card["description"].encode()) <= DESCRIPTION_BYTES
    )
