"""What customers are sent (welcome messages, mass messages, contact-way conclusions): fields and rules."""

from __future__ import annotations

from typing import Any

from ..apierror import ApiError
from .fields import List, Obj, Str
from .routing import Call

ATTACHMENT_TYPES = ("image", "link", "miniprogram", "video", "file")

_IMAGE = Obj("image", fields=(Str("media_id"), Str("pic_url")))
_LINK = Obj("link", fields=(Str("title", size=128), Str("picurl"), Str("desc", size=512), Str("url")))
_MINIPROGRAM = Obj(
    "miniprogram", fields=(Str("title", size=64), Str("pic_media_id"), Str("appid"), Str("page"))
)

TEXT = Obj("text", fields=(Str("content", size=4000),))  # ≤ 4000 bytes, else 45002
ATTACHMENTS = List(
    "attachments",
    item=Obj(
        "attachment",
        fields=(
            Str("msgtype"),
            _IMAGE,
            _LINK,
            _MINIPROGRAM,
            Obj("video", fields=(Str("media_id"),)),
            Obj("file", fields=(Str("media_id"),)),
        ),
    ),
    max_items=9,
)
CONCLUSIONS = Obj(  # what the customer sees after adding through a temporary-session contact way
    "conclusions", fields=(Obj("text", fields=(Str("content"),)), _IMAGE, _LINK, _MINIPROGRAM)
)


def validate_content(call: Call) -> tuple[dict[str, Any] | None, list[Any]]:
    """The text and attachments of a welcome or mass message, not both empty; each attachment names a
    known msgtype and carries that object (a link its url)."""
    text, attachments = call.arg("text"), call.arg("attachments") or []
    for item in attachments:
        msgtype = item.get("msgtype")
        if msgtype not in ATTACHMENT_TYPES or not isinstance(item.get(msgtype), dict):
            raise ApiError(40058, f"invalid attachment msgtype {msgtype!r}")
        if msgtype == "link" and not item["link"].get("url"):
            raise ApiError(40058, "link.url is required")
    if not (text and text.get("content")) and not attachments:
        raise ApiError(40058, "text and attachments are both empty")
    return text, attachments
