"""Helpers for radar page tests: radars made with the ORM, links signed like the sidebar's, and visitors
who open them through the emulator's OAuth page, each in their own browser-like session."""

from __future__ import annotations

import html
import re
import uuid
from datetime import UTC, datetime

import aiohttp
from yarl import URL

from bot.appkeys import SETTINGS
from bot.radar.links import LinkSigner, RadarLink
from bot.radar.models import Radar, RadarGroup


# A two-page PDF, written by hand (objects, xref and trailer), enough for pdf.js.
def tiny_pdf(pages: int = 2) -> bytes:
    objects = ["<< /Type /Catalog /Pages 2 0 R >>"]
    kids = " ".join(f"{3 + 2 * i} 0 R" for i in range(pages))
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {pages} >>")
    for i in range(pages):
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 400] /Contents {4 + 2 * i} 0 R "
            "/Resources << /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >> >>"
        )
        text = f"BT /F1 36 Tf 60 200 Td (Page {i + 1}) Tj ET".encode()
        objects.append(f"<< /Length {len(text)} >>\nstream\n{text.decode()}\nendstream")
    out, offsets = b"%PDF-1.4\n", []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{n} 0 obj\n{body}\nendobj\n".encode()
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


async def make_radar(app, type_: str = Radar.PDF, **fields) -> Radar:
    """A radar as the console would save it; its file (a PDF of 5 pages for PDF radars) under data/radar/."""
    now = datetime.now(UTC)
    group = await RadarGroup.first() or await RadarGroup.create(name="产品介绍", created_at=now)
    name = fields.pop("file", "")
    if type_ == Radar.PDF and not name:
        name = f"{uuid.uuid4().hex}.pdf"  # stored names are unguessable, as uploads are
        folder = app[SETTINGS].data_dir / "radar"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(tiny_pdf(5))
    defaults = {"name": "产品手册", "title": "星河产品手册", "description": "三分钟了解我们的产品"}
    return await Radar.create(
        group=group, type=type_, file=name, created_at=now, updated_at=now, **{**defaults, **fields}
    )


def signer(app) -> LinkSigner:
    return LinkSigner.from_settings(app[SETTINGS])


def staff_link(app, radar: Radar, userid: str = "s1", recipient: str = "", issued_at: int = 0) -> str:
    return signer(app).sign(RadarLink(radar.id, userid, recipient, issued_at=issued_at))


class Visitor:
    """One person's browser: a cookie jar of their own, and who they are when WeChat/WeCom asks."""

    def __init__(self, client, headers: dict[str, str] | None = None, **identity: str):
        self.client = client
        self.headers = headers or {}  # sent with every page open (a proxy's X-Forwarded-For)
        self.identity = identity  # external_userid=... or stranger=...
        self.session = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        self.oauth_runs = 0

    async def open(self, token: str, ua: str = "Mozilla/5.0 (iPhone)") -> tuple[int, str]:
        """Open /r/<token> as this person, through OAuth when the server asks for it; (status, page)."""
        url = self.client.make_url(f"/r/{token}")
        headers = {**self.headers, "User-Agent": ua}
        for _ in range(4):
            async with self.session.get(url, allow_redirects=False, headers=headers) as response:
                if response.status != 302:
                    return response.status, await response.text()
                target = URL(response.headers["Location"])
            if target.path.endswith("/oauth/authorize"):  # the emulator plays WeChat / WeCom
                self.oauth_runs += 1
                async with self.session.get(
                    target.update_query(**self.identity), allow_redirects=False
                ) as picked:
                    assert picked.status == 302, await picked.text()
                    back = URL(picked.headers["Location"])
                url = self.client.make_url(back.path_qs)  # public_url names the test server's port
            else:
                return 302, str(target)
        raise AssertionError("redirected in a loop")

    async def close(self) -> None:
        await self.session.close()


def share_url(page: str) -> str:
    return html.unescape(re.search(r'data-share="([^"]+)"', page).group(1))


def share_token(page: str) -> str:
    return URL(share_url(page)).path.rsplit("/", 1)[-1]


def visit_key(page: str) -> str:
    return html.unescape(re.search(r'data-key="([^"]+)"', page).group(1))
