"""The demo's radars: groups and radars staff can send at once, with real files drawn by the demo itself."""

import re
import struct
import zlib

from bot.appkeys import SETTINGS
from bot.radar import sending as radar_sending
from bot.radar.models import Radar
from sidebar_web.demo.radars import create_demo_radars


def pdf_pages(data: bytes) -> int:
    """Pages of a PDF, after checking that every xref entry points at its object (what viewers rely on)."""
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    xref = int(re.search(rb"startxref\n(\d+)", data).group(1))
    entries = re.findall(rb"(\d{10}) 00000 n ", data[xref:])
    for number, offset in enumerate(entries, 1):
        assert data[int(offset) :].startswith(b"%d 0 obj" % number)
    return int(re.search(rb"/Type /Pages /Kids \[[^\]]*\] /Count (\d+)", data).group(1))


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height of a PNG, after decompressing its pixels (a broken file raises)."""
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = struct.unpack(">II", data[16:24])
    idat = data.index(b"IDAT")
    length = struct.unpack(">I", data[idat - 4 : idat])[0]
    assert len(zlib.decompress(data[idat + 4 : idat + 4 + length])) == height * (1 + width * 3)
    return width, height


async def test_the_demo_makes_two_groups_of_sendable_radars_with_their_files(company):
    settings = company.client.app[SETTINGS]
    folder = settings.data_dir / "radar"
    assert await create_demo_radars(settings.data_dir, 2, [company.tags["A"]]) == 4
    everyone = ["星河智能官网：全屋智能一站式方案", "星河智能品牌手册（4 页）"]
    products = ["全屋智能套餐价格表", "智能门锁产品白皮书"]
    # 产品资料 is for 销售部: s2 is in its 华东组, kf in 客服部.
    sales, service = {"公司介绍": everyone, "产品资料": products}, {"公司介绍": everyone}
    for userid, groups in (("s2", sales), ("kf", service)):
        seen = await radar_sending.radars_for_member(userid)
        assert {g["name"]: [r["title"] for r in g["radars"]] for g in seen} == groups

    radars = {f"{r.type}{n}": r for n, r in enumerate(await Radar.all().order_by("id"), 1)}
    assert set(radars) == {"link1", "pdf2", "image3", "pdf4"}
    assert radars["link1"].link_url.startswith("https://") and not radars["link1"].file
    assert pdf_pages((folder / radars["pdf2"].file).read_bytes()) == 4
    assert pdf_pages((folder / radars["pdf4"].file).read_bytes()) == 6
    width, height = png_size((folder / radars["image3"].file).read_bytes())
    assert width == 750 and height > 2 * width  # tall enough to scroll through
    assert radars["pdf4"].auto_tag_ids == [company.tags["A"]]
    for radar in radars.values():
        assert png_size((folder / radar.cover).read_bytes()) == (300, 300)
        # Links to files are public: their names must not be guessable from the radar or each other.
        assert len(radar.cover.split(".")[0]) >= 24
    assert len({p.name for p in folder.iterdir()}) == 7  # four covers, two PDFs, one image

    card = await radar_sending.send(settings, "s1", radars["pdf4"].id, external_userid=company.ids["c1"])
    assert card["imgUrl"] == f"{settings.public_url}/media/radar/{radars['pdf4'].cover}"

    # A kept data directory: the second run of the demo finds the radars and leaves them alone.
    assert await create_demo_radars(settings.data_dir, 2, []) == 0
    assert await Radar.all().count() == 4 and len(list(folder.iterdir())) == 7
