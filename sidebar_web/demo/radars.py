"""The demo's radars: two groups with link, PDF and image radars whose files are drawn here, ready to send.

The files are generated (a few small PDF pages, PNG covers and a long PNG price sheet), never committed, and
written under the data directory's radar/ folder with unguessable names, as uploads are kept.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterable
from pathlib import Path

from bot.radar import files as radar_files
from bot.radar import groups as radar_groups
from bot.radar import radars as radars_service
from bot.radar.models import Radar

RGB = tuple[int, int, int]

# The corp's palette (the emulator's demo corp sells smart home products).
BLUE, GREEN, ORANGE, INK, PAPER = (22, 119, 255), (7, 193, 96), (250, 157, 59), (40, 48, 66), (247, 248, 250)


def png(width: int, rows: Iterable[bytes]) -> bytes:
    """An RGB PNG from its rows of width*3 bytes."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = list(rows)
    raw = b"".join(b"\x00" + row for row in rows)
    header = struct.pack(">IIBBBBB", width, len(rows), 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def _row(width: int, background: RGB, spans: Iterable[tuple[int, int, RGB]] = ()) -> bytes:
    """One row: the background with spans (start, end, colour) painted over it."""
    row = bytearray(bytes(background) * width)
    for start, end, colour in spans:
        start, end = max(0, start), min(width, end)
        if end > start:
            row[start * 3 : end * 3] = bytes(colour) * (end - start)
    return bytes(row)


def _mix(a: RGB, b: RGB, t: float) -> RGB:
    return tuple(round(x + (y - x) * t) for x, y in zip(a, b, strict=True))  # type: ignore[return-value]


def cover(accent: RGB, size: int = 300) -> bytes:
    """A square cover: a soft gradient with a disc and a bar in the accent colour."""
    r, cx, cy = size // 4, size // 2, size * 2 // 5
    rows = []
    for y in range(size):
        spans = []
        if abs(y - cy) < r:
            half = int((r * r - (y - cy) ** 2) ** 0.5)
            spans.append((cx - half, cx + half, accent))
        if size * 3 // 4 <= y < size * 3 // 4 + size // 15:
            spans.append((size // 5, size * 4 // 5, _mix(accent, INK, 0.3)))
        rows.append(_row(size, _mix((255, 255, 255), _mix(accent, PAPER, 0.75), y / size), spans))
    return png(size, rows)


def price_sheet(width: int = 750, plans: int = 3) -> bytes:
    """A tall image to scroll through: a header band, then one card per plan with its feature bars."""
    rows = [_row(width, _mix(BLUE, GREEN, y / 320)) for y in range(320)]
    for plan in range(plans):
        accent = (BLUE, GREEN, ORANGE)[plan % 3]
        rows += [_row(width, PAPER)] * 40
        card = [(40, width - 40, (255, 255, 255))]
        rows += [_row(width, PAPER, [*card, (40, width - 40, accent)])] * 16
        for feature in range(6):
            bar = (80, 80 + (width - 200) * (6 - feature) // 6, _mix(accent, PAPER, 0.55))
            rows += [_row(width, PAPER, card)] * 28 + [_row(width, PAPER, [*card, bar])] * 22
        rows += [_row(width, PAPER, card)] * 40
    rows += [_row(width, PAPER)] * 60
    return png(width, rows)


def pdf(title: str, pages: list[tuple[str, list[str]]]) -> bytes:
    """A small PDF: one page per (heading, lines), in Helvetica (ASCII only: no font is embedded)."""

    def text(s: str) -> str:
        return s.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    font = "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
    objects = ["<< /Type /Catalog /Pages 2 0 R >>", "", font]  # the page tree (2) is filled in last
    kids = []
    for number, (heading, lines) in enumerate(pages, 1):
        stream = [
            "0.086 0.467 1 rg 0 742 595 100 re f",  # the blue band
            f"BT /F1 26 Tf 1 1 1 rg 48 782 Td ({text(title)}) Tj ET",
            f"BT /F1 20 Tf 0.16 0.19 0.26 rg 48 690 Td ({text(heading)}) Tj ET",
        ]
        for i, line in enumerate(lines):
            stream.append(f"BT /F1 13 Tf 0.3 0.3 0.3 rg 48 {650 - i * 26} Td ({text(line)}) Tj ET")
        stream.append(f"0.027 0.757 0.376 rg 48 120 {499 * number // len(pages)} 6 re f")  # how far along
        stream.append(f"BT /F1 11 Tf 0.5 0.5 0.5 rg 48 90 Td (Page {number} of {len(pages)}) Tj ET")
        content = "\n".join(stream).encode("latin-1")
        objects.append(f"<< /Length {len(content)} >>\nstream\n{content.decode('latin-1')}\nendstream")
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents {len(objects)} 0 R"
            " /Resources << /Font << /F1 3 0 R >> >> >>"
        )
        kids.append(f"{len(objects)} 0 R")
    objects[1] = f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {len(kids)} >>"
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{o:010d} 00000 n \n" for o in offsets).encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


BROCHURE = [
    ("Who we are", ["Smart homes since 2012.", "120 stores in 30 cities.", "Support 24/7."]),
    ("Product lines", ["Smart door locks", "Robot vacuums", "Whole-home packages", "Lighting and cameras"]),
    ("Service promise", ["Free measuring and design", "Installation within 48 hours", "3-year warranty"]),
    ("Talk to us", ["Reply in this chat to book a visit,", "or ask your advisor for a quote."]),
]
LOCK_PAPER = [
    ("Why a smart lock", ["Fingerprint, password, card and app:", "four ways in, none to lose."]),
    ("Security", ["C-grade lock cylinder", "Anti-peeping password", "Alarm on tampering"]),
    ("Battery", ["12 months on 8 AA cells", "USB-C emergency power"]),
    ("Models", ["X1: fingerprint and password", "X3: adds face unlock", "X5: adds video doorbell"]),
    ("Installation", ["Fits 90% of Chinese doors", "Done in one hour by our staff"]),
    ("Prices", ["X1 1,299 / X3 1,999 / X5 2,699 CNY", "Ask your advisor for this month's offer."]),
]


async def _store(data_dir: Path, kind: str, data: bytes) -> str:
    """Keep a drawn file the way uploads are kept (checked, under an unguessable name) and return its name."""

    async def chunks():
        yield data

    return await radar_files.store(data_dir, chunks(), kind, len(data), "file")


async def create_demo_radars(data_dir: Path, sales_department: int | None, auto_tag_ids: list[str]) -> int:
    """Two groups (公司介绍 for everyone, 产品资料 for 销售部 and its teams) with four radars; nothing when
    radar groups exist already (a kept data directory). Returns how many radars were made."""
    if await radar_groups.list_groups():
        return 0
    intro = await radar_groups.create_group("公司介绍")
    products = await radar_groups.create_group("产品资料")
    if sales_department is not None:
        await radar_groups.set_visible_departments(products.id, [sales_department])
    image, document = radar_files.IMAGE, radar_files.PDF
    radars = [
        dict(group_id=intro.id, name="官网首页", type=Radar.LINK, title="星河智能官网：全屋智能一站式方案",
             description="门店地址、最新活动，一页看全", link_url="https://example.com/",
             cover=await _store(data_dir, image, cover(BLUE))),
        dict(group_id=intro.id, name="品牌手册", type=Radar.PDF, title="星河智能品牌手册（4 页）",
             description="我们是谁、做什么、怎么服务，三分钟读完",
             file=await _store(data_dir, document, pdf("Xinghe Smart", BROCHURE)),
             cover=await _store(data_dir, image, cover(GREEN))),
        dict(group_id=products.id, name="全屋智能价格表", type=Radar.IMAGE, title="全屋智能套餐价格表",
             description="三档套餐一图看懂，含本月优惠", file=await _store(data_dir, image, price_sheet()),
             cover=await _store(data_dir, image, cover(ORANGE))),
        dict(group_id=products.id, name="智能门锁白皮书", type=Radar.PDF, title="智能门锁产品白皮书",
             description="安全等级、续航、安装和价格，6 页讲清楚",
             file=await _store(data_dir, document, pdf("Smart Lock White Paper", LOCK_PAPER)),
             cover=await _store(data_dir, image, cover(INK)), auto_tag_ids=auto_tag_ids),
    ]  # fmt: skip
    for fields in radars:
        await radars_service.create_radar(radars_service.RadarForm(**fields))
    return len(radars)
