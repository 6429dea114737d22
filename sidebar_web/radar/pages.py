"""The content page of a radar, rendered once per radar version and filled in per visit.

Everything on the page but the visit's beacon key and share link depends on the radar and the settings
(and on whether the visitor is in WeChat), so the template runs once per radar version with markers where
those two go; each visit joins the parts around its own values, escaped as the template would have. A
saved radar has a new updated_at, so an edit shows on the next open.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from markupsafe import escape

from bot.radar.models import Radar
from sidebar_web.render import env

_KEY, _SHARE = "\x00visit_key\x00", "\x00share_url\x00"  # characters no template output holds
_MARKERS = re.compile(f"({_KEY}|{_SHARE})")
_MAX = 512  # versions kept at most; all are dropped beyond it


class ContentPages:
    def __init__(self) -> None:
        self._pages: dict[tuple, list[str]] = {}

    def render(
        self, radar: Radar, in_wechat: bool, context: Callable[[], dict], *, visit_key: str, share_url: str
    ) -> str:
        """radar/page.html for one visit; `context` gives the template's other values for a new version."""
        version = (radar.id, radar.updated_at, in_wechat)
        parts = self._pages.get(version)
        if parts is None:
            values = {
                **context(),
                "radar": radar,
                "in_wechat": in_wechat,
                "visit_key": _KEY,
                "share_url": _SHARE,
            }
            html = env.get_template("radar/page.html").render(values)
            if len(self._pages) >= _MAX:
                self._pages.clear()
            parts = self._pages[version] = _MARKERS.split(html)
        values = {_KEY: str(escape(visit_key)), _SHARE: str(escape(share_url))}
        return "".join([values.get(part, part) for part in parts])
