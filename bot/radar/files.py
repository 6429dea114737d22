"""Radar uploads (PDF, image, video, cover) on disk under <data dir>/radar/: checked by size and magic
bytes while streaming, stored under unguessable names, and their public URLs."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

from bot.values import InvalidInput

PDF, IMAGE, VIDEO = "pdf", "image", "video"
KIND_NAMES = {PDF: "PDF", IMAGE: "图片", VIDEO: "视频"}
ACCEPTED = {PDF: "PDF", IMAGE: "JPG、PNG、GIF、WebP", VIDEO: "MP4、MOV、WebM"}

# extension -> (kind, Content-Type); one table for storing and for serving
FORMATS = {
    ".pdf": (PDF, "application/pdf"),
    ".jpg": (IMAGE, "image/jpeg"),
    ".png": (IMAGE, "image/png"),
    ".gif": (IMAGE, "image/gif"),
    ".webp": (IMAGE, "image/webp"),
    ".mp4": (VIDEO, "video/mp4"),
    ".mov": (VIDEO, "video/quicktime"),
    ".webm": (VIDEO, "video/webm"),
}
MEDIA_PATH = "/media/radar/"
_NAME = re.compile(r"^[0-9a-f]{32}(\.[a-z0-9]{3,4})$")
_HEAD = 16  # bytes enough to recognise every accepted format
_MB = 1024 * 1024


class UploadRefused(InvalidInput):
    """An upload that is too large, empty or not of its type; nothing of it stays on disk."""


def media_dir(data_dir: Path) -> Path:
    return Path(data_dir) / "radar"


def media_path(name: str) -> str:
    """The path a stored file is served at (sidebar_web/media.py), empty for no file."""
    return f"{MEDIA_PATH}{name}" if name else ""


def media_url(public_url: str, name: str) -> str:
    """The absolute URL of a stored file for people outside (news cards, radar pages): server.public_url
    joined with media_path; empty for no file."""
    return public_url.rstrip("/") + media_path(name) if name else ""


def max_bytes(radar_settings, kind: str) -> int:
    """The upload limit of a kind from settings.radar (covers are images)."""
    return getattr(radar_settings, f"max_{kind}_mb") * _MB


def kind_of(name: str) -> str:
    """pdf, image or video for a stored name, empty when it is not one."""
    match = _NAME.match(name or "")
    return FORMATS[match.group(1)][0] if match and match.group(1) in FORMATS else ""


def content_type(name: str) -> str:
    return FORMATS[Path(name).suffix][1]


def resolve(data_dir: Path, name: str) -> Path | None:
    """The file a stored name stands for, or None: the name must be one we generated (32 hex digits and a
    known extension), so no path a visitor types can leave the radar directory."""
    if not kind_of(name):
        return None
    path = media_dir(data_dir) / name
    return path if path.is_file() else None


def sniff(head: bytes) -> str:
    """The extension the first bytes of a file belong to, or empty."""
    if head.startswith(b"%PDF-"):
        return ".pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return ".jpg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return ".png"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return ".gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return ".webp"
    if head[4:8] == b"ftyp":
        return ".mov" if head[8:12] == b"qt  " else ".mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3"):  # EBML, the container of WebM
        return ".webm"
    return ""


async def store(data_dir: Path, chunks: AsyncIterator[bytes], kind: str, limit: int, field: str) -> str:
    """Write an upload to disk as it arrives and return its stored name. Refused (UploadRefused naming
    `field`, the partial file removed) when it grows past `limit` bytes, is empty, or its first bytes are
    not a file of `kind`."""
    folder = media_dir(data_dir)
    await asyncio.to_thread(folder.mkdir, parents=True, exist_ok=True)
    token = uuid.uuid4().hex
    # A dot-name never matches a stored name, so a half-written file is never served.
    partial = folder / f".{token}.part"
    handle = await asyncio.to_thread(partial.open, "wb")
    size, head, ext = 0, b"", ""
    try:
        async for chunk in chunks:
            size += len(chunk)
            if size > limit:
                raise UploadRefused(field, _too_large(kind, limit))
            if not ext:
                head += chunk[: _HEAD - len(head)]
                if len(head) >= _HEAD:
                    ext = _checked(head, kind, field)
            await asyncio.to_thread(handle.write, chunk)
        if not size:
            raise UploadRefused(field, f"上传的{KIND_NAMES[kind]}文件是空的。")
        ext = ext or _checked(head, kind, field)
    except BaseException:
        await asyncio.to_thread(handle.close)
        await asyncio.to_thread(partial.unlink, missing_ok=True)
        raise
    await asyncio.to_thread(handle.close)
    name = token + ext
    await asyncio.to_thread(partial.rename, folder / name)
    return name


async def remove(data_dir: Path, *names: str) -> None:
    """Delete stored files (a refused form's uploads, a replaced file); unknown names are ignored."""
    for name in names:
        if path := resolve(data_dir, name):
            await asyncio.to_thread(path.unlink, missing_ok=True)


def _checked(head: bytes, kind: str, field: str) -> str:
    ext = sniff(head)
    if not ext or FORMATS[ext][0] != kind:
        raise UploadRefused(field, f"文件格式不对：{KIND_NAMES[kind]}只支持 {ACCEPTED[kind]}。")
    return ext


def _too_large(kind: str, limit: int) -> str:
    return f"{KIND_NAMES[kind]}文件不能超过 {limit // _MB} MB。"
