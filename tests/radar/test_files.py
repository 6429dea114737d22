"""Radar uploads on disk: checked by their first bytes and their size as they stream in, stored under names
nobody can guess, and served to anyone with the link with Range support."""

import os
import struct
import zlib

import pytest

from bot.radar import files as radar_files
from bot.settings import RadarSettings
from bot.values import InvalidInput
from sidebar_web.app import create_app

PDF = b"%PDF-1.7\n" + bytes(range(256)) * 8


def _png(size: int = 8) -> bytes:
    """A real blue square, so pages that show it as a cover show a picture."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\x16\x77\xff" * size for _ in range(size))
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    body = chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + body


PNG = _png()
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 200
MP4 = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 200
MOV = b"\x00\x00\x00\x14ftypqt  " + b"\x00" * 200
WEBM = b"\x1a\x45\xdf\xa3" + b"\x00" * 200


async def chunks_of(data: bytes, size: int = 7):
    """An upload arriving in small pieces, as a network delivers it."""
    for at in range(0, len(data), size):
        yield data[at : at + size]


def leftovers(data_dir) -> list[str]:
    folder = radar_files.media_dir(data_dir)
    return sorted(os.listdir(folder)) if folder.exists() else []


@pytest.mark.parametrize(
    ("data", "kind", "ext"),
    [(PDF, "pdf", ".pdf"), (PNG, "image", ".png"), (JPEG, "image", ".jpg"), (MP4, "video", ".mp4"),
     (MOV, "video", ".mov"), (WEBM, "video", ".webm")],
)  # fmt: skip
async def test_a_file_is_stored_whole_under_a_random_name_of_its_real_format(tmp_path, data, kind, ext):
    name = await radar_files.store(tmp_path, chunks_of(data), kind, 10_000, "file")
    assert len(name) == 32 + len(ext) and name.endswith(ext)
    assert radar_files.resolve(tmp_path, name).read_bytes() == data
    assert radar_files.kind_of(name) == kind
    assert leftovers(tmp_path) == [name]  # no partial file left behind
    other = await radar_files.store(tmp_path, chunks_of(data), kind, 10_000, "file")
    assert other != name


@pytest.mark.parametrize(
    ("data", "kind", "reason"),
    [(PNG, "pdf", "PDF只支持 PDF"), (PDF, "image", "图片只支持 JPG、PNG、GIF、WebP"),
     (JPEG, "video", "视频只支持 MP4、MOV、WebM"), (b"<html>%PDF-", "pdf", "PDF只支持"),
     (b"", "pdf", "文件是空的")],
)  # fmt: skip
async def test_a_file_whose_first_bytes_are_not_its_type_is_refused_and_nothing_stays(
    tmp_path, data, kind, reason
):
    with pytest.raises(InvalidInput, match=reason) as refused:
        await radar_files.store(tmp_path, chunks_of(data), kind, 10_000, "cover")
    assert refused.value.field == "cover"
    assert leftovers(tmp_path) == []


async def test_a_file_over_the_limit_is_refused_mid_stream_and_its_partial_file_removed(tmp_path):
    seen = []

    async def endless():
        yield PDF
        while True:
            seen.append(1)
            yield b"\x00" * 1000

    with pytest.raises(InvalidInput, match="PDF文件不能超过 1 MB"):
        await radar_files.store(tmp_path, endless(), "pdf", 1024 * 1024, "file")
    assert len(seen) < 1100  # it stopped reading right after the limit
    assert leftovers(tmp_path) == []
    exact = PDF + b"\x00" * (1024 * 1024 - len(PDF))
    assert await radar_files.store(tmp_path, chunks_of(exact, 65536), "pdf", 1024 * 1024, "file")


def test_limits_come_from_settings_and_covers_use_the_image_limit():
    r = RadarSettings(max_pdf_mb=50, max_image_mb=10, max_video_mb=200)
    assert radar_files.max_bytes(r, "pdf") == 50 * 2**20
    assert radar_files.max_bytes(r, "image") == 10 * 2**20
    assert radar_files.max_bytes(r, "video") == 200 * 2**20


async def test_only_names_we_generated_resolve(tmp_path):
    name = await radar_files.store(tmp_path, chunks_of(PDF), "pdf", 10_000, "file")
    (tmp_path / "scrm.sqlite3").write_bytes(b"secret")
    (radar_files.media_dir(tmp_path) / "notes.txt").write_text("x")
    for bad in ("../scrm.sqlite3", "..%2Fscrm.sqlite3", "notes.txt", name.upper(), name[:-4] + ".exe",
                "/etc/passwd", "", "a" * 32 + ".pdf"):  # fmt: skip
        assert radar_files.resolve(tmp_path, bad) is None, bad
    assert radar_files.resolve(tmp_path, name) is not None


def test_public_urls_of_stored_files():
    assert radar_files.media_path("ab" * 16 + ".pdf") == "/media/radar/" + "ab" * 16 + ".pdf"
    assert radar_files.media_url("https://scrm.example.com/", "ab" * 16 + ".png") == (
        "https://scrm.example.com/media/radar/" + "ab" * 16 + ".png"
    )
    assert radar_files.media_url("https://scrm.example.com", "") == ""


@pytest.fixture
async def web_client(aiohttp_client, settings):
    return await aiohttp_client(create_app(settings, run_worker=False))


async def test_stored_files_are_served_with_their_type_and_ranges(web_client, settings):
    name = await radar_files.store(settings.data_dir, chunks_of(PDF), "pdf", 10_000, "file")
    url = radar_files.media_path(name)
    whole = await web_client.get(url)  # no login: customers open it
    assert whole.status == 200 and await whole.read() == PDF
    assert whole.headers["Content-Type"] == "application/pdf"
    assert whole.headers["Accept-Ranges"] == "bytes"

    part = await web_client.get(url, headers={"Range": "bytes=100-199"})
    assert part.status == 206 and await part.read() == PDF[100:200]
    assert part.headers["Content-Range"] == f"bytes 100-199/{len(PDF)}"
    tail = await web_client.get(url, headers={"Range": "bytes=-10"})
    assert tail.status == 206 and await tail.read() == PDF[-10:]
    beyond = await web_client.get(url, headers={"Range": f"bytes={len(PDF) + 5}-"})
    assert beyond.status == 416

    cached = await web_client.get(url, headers={"If-Modified-Since": whole.headers["Last-Modified"]})
    assert cached.status == 304

    video = await radar_files.store(settings.data_dir, chunks_of(MOV), "video", 10_000, "file")
    assert (await web_client.get(radar_files.media_path(video))).headers["Content-Type"] == "video/quicktime"


async def test_unknown_and_crafted_names_are_not_found(web_client, settings):
    await radar_files.store(settings.data_dir, chunks_of(PDF), "pdf", 10_000, "file")
    (settings.data_dir / "radar" / "notes.txt").write_text("x")
    for path in ("/media/radar/" + "0" * 32 + ".pdf", "/media/radar/notes.txt",
                 "/media/radar/..%2Fscrm.sqlite3", "/media/radar/..%2F..%2Fradar.key"):  # fmt: skip
        response = await web_client.get(path)
        assert response.status == 404, path
        assert "文件不存在" in await response.text()
