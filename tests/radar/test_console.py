"""The console's radar pages: admins create, edit, order and delete radars with their files; everyone else,
forged posts and bad uploads are refused with a reason and change nothing."""

import io
import os
import re

import pytest
from aiohttp import FormData

from bot.appkeys import SETTINGS
from bot.radar import files as radar_files
from bot.radar import groups as radar_groups
from bot.radar import radars
from bot.radar.models import Radar
from bot.values import InvalidInput
from tests.radar.test_files import MP4, PDF, PNG
from tests.readapi_corp import login

MB = 1024 * 1024


@pytest.fixture
def make_settings(make_settings):
    """The shared settings with 1 MB upload limits, so an oversize file costs a megabyte, not 200."""

    def make(**sections):
        return make_settings(**sections, radar={"max_pdf_mb": 1, "max_image_mb": 1, "max_video_mb": 1})

    return make


def stored_files(company) -> list[str]:
    """Everything in the radar upload directory, partial files included."""
    folder = radar_files.media_dir(company.client.app[SETTINGS].data_dir)
    return sorted(os.listdir(folder)) if folder.exists() else []


async def as_admin(company) -> str:
    """Log in as the admin and return the page's CSRF token."""
    await login(company.client, company.emulator, "ops")
    page = await (await company.client.get("/console/radar/radars/new")).text()
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)


def radar_form(csrf: str | None, files: dict | None = None, **fields) -> FormData:
    """The form as a browser sends it: the token first, then the fields, then the files."""
    form = FormData()
    if csrf is not None:
        form.add_field("csrf", csrf)
    fields = {"name": "产品手册", "type": "pdf", "title": "2024 产品手册", **fields}
    for key, value in fields.items():
        for one in value if isinstance(value, list) else [value]:
            form.add_field(key, str(one))
    for key, (filename, data) in (files or {}).items():
        form.add_field(key, io.BytesIO(data), filename=filename, content_type="application/octet-stream")
    return form


async def post(company, path: str, form, **kw) -> tuple[int, str, str]:
    response = await company.client.post(path, data=form, allow_redirects=False, **kw)
    return response.status, await response.text(), response.headers.get("Location", "")


async def test_radars_are_for_admins_only(company):
    group = await radar_groups.create_group("产品介绍")
    await login(company.client, company.emulator, "s1")
    for path in ("/console/radar/radars", "/console/radar/radars/new"):
        response = await company.client.get(path)
        assert response.status == 403 and "只有管理员可以管理智能雷达" in await response.text()
    status, html, _ = await post(
        company, "/console/radar/radars", radar_form("x", {"file_pdf": ("a.pdf", PDF)}, group_id=group.id)
    )
    assert status == 403 and not await Radar.exists() and stored_files(company) == []
    overview = await (await company.client.get("/console/")).text()
    assert "/console/radar/radars" not in overview


async def test_an_admin_creates_edits_orders_and_deletes_radars(company):
    intro = await radar_groups.create_group("公司介绍")
    products = await radar_groups.create_group("产品介绍")
    csrf = await as_admin(company)

    # A PDF radar with a cover and an auto-tag, then a link radar in the same group.
    tag_a = company.tags["A"]
    status, _, location = await post(
        company,
        "/console/radar/radars",
        radar_form(
            csrf,
            {"file_pdf": ("手册.pdf", PDF), "cover": ("封面.png", PNG)},
            group_id=products.id, description="看看我们的新品", friends_only="on", auto_tag_ids=[tag_a],
            notify_staff="on", record_timeline="on",
        ),
    )  # fmt: skip
    assert status == 303, location
    manual = await Radar.get(name="产品手册")
    assert location == f"/console/radar/radars?saved={manual.id}#radar-{manual.id}"
    assert (manual.type, manual.title, manual.description) == ("pdf", "2024 产品手册", "看看我们的新品")
    assert manual.friends_only and manual.auto_tag_ids == [tag_a] and manual.notify_staff
    assert radar_files.kind_of(manual.file) == "pdf" and radar_files.kind_of(manual.cover) == "image"
    assert await (await company.client.get(radar_files.media_path(manual.file))).read() == PDF
    status, _, _ = await post(
        company,
        "/console/radar/radars",
        radar_form(csrf, name="官网", type="link", title="官网首页", link_url="https://example.com/a?b=1",
                   group_id=products.id),
    )  # fmt: skip
    assert status == 303
    site = await Radar.get(name="官网")
    assert site.link_url == "https://example.com/a?b=1" and site.file == "" and not site.notify_staff

    page = await (await company.client.get(location)).text()
    assert "已保存雷达“产品手册”" in page
    assert names_in(page) == ["产品手册", "官网"]
    assert f'href="/console/radar/radars/{manual.id}/analytics"' in page
    assert f'src="/media/radar/{manual.cover}"' in page and "A类" in page

    # Order within the group, by htmx.
    response = await company.client.post(
        f"/console/radar/radars/{site.id}/move", data={"csrf": csrf, "direction": "top"},
        headers={"HX-Request": "true"},
    )  # fmt: skip
    html = await response.text()
    assert response.status == 200 and "<html" not in html and names_in(html) == ["官网", "产品手册"]

    # Edit: a new title and a new PDF take effect at once; the old file is gone, the cover stays.
    old_file = manual.file
    new_pdf = PDF + b"v2"
    status, _, _ = await post(
        company,
        f"/console/radar/radars/{manual.id}/edit",
        radar_form(csrf, {"file_pdf": ("v2.pdf", new_pdf)}, title="2025 产品手册", group_id=products.id),
    )
    assert status == 303
    await manual.refresh_from_db()
    assert manual.title == "2025 产品手册" and manual.file != old_file and not manual.friends_only
    assert await (await company.client.get(radar_files.media_path(manual.file))).read() == new_pdf
    assert (await company.client.get(radar_files.media_path(old_file))).status == 404
    assert sorted(stored_files(company)) == sorted([manual.file, manual.cover])

    # Moving it to another group puts it there, last.
    status, _, _ = await post(
        company,
        f"/console/radar/radars/{manual.id}/edit",
        radar_form(csrf, title="2025 产品手册", group_id=intro.id),
    )
    assert status == 303 and [r.name for r in await radars.list_radars(intro.id)] == ["产品手册"]

    # Delete: gone from the list and the counts, the row kept for old links.
    response = await company.client.post(
        f"/console/radar/radars/{manual.id}/delete", data={"csrf": csrf}, headers={"HX-Request": "true"}
    )
    html = await response.text()
    assert response.status == 200 and "已删除雷达“产品手册”" in html and "产品手册</b>" not in html
    await manual.refresh_from_db()
    assert manual.deleted_at is not None
    assert await radars.get_radar(manual.id) is None
    assert (await radars.get_radar(manual.id, include_deleted=True)).title == "2025 产品手册"
    assert [g["radars"] for g in await radar_groups.list_groups()] == [0, 1]
    assert (await company.client.get(f"/console/radar/radars/{manual.id}/edit")).status == 404


def names_in(html: str) -> list[str]:
    return re.findall(r"<td><b>([^<]+)</b></td>", html)


async def test_a_forged_post_stores_no_file(company):
    group = await radar_groups.create_group("产品介绍")
    csrf = await as_admin(company)
    files = {"file_pdf": ("a.pdf", PDF)}
    no_token = radar_form(None, files, group_id=group.id)
    assert (await post(company, "/console/radar/radars", no_token))[0] == 403
    wrong = radar_form("forged", files, group_id=group.id)
    assert (await post(company, "/console/radar/radars", wrong))[0] == 403
    # The token must come before the files: a form that sends it last is refused before storing.
    late = FormData()
    late.add_field("file_pdf", PDF, filename="a.pdf")
    late.add_field("csrf", csrf)
    assert (await post(company, "/console/radar/radars", late))[0] == 403
    assert not await Radar.exists() and stored_files(company) == []
    # htmx sends it as a header instead.
    header = radar_form(None, files, group_id=group.id)
    assert (await post(company, "/console/radar/radars", header, headers={"X-CSRF-Token": csrf}))[0] == 303


@pytest.mark.parametrize(
    ("files", "fields", "reason"),
    [
        ({"file_pdf": ("big.pdf", PDF + b"\x00" * MB)}, {}, "PDF文件不能超过 1 MB"),
        ({"file_video": ("big.mp4", MP4 + b"\x00" * MB)}, {"type": "video"}, "视频文件不能超过 1 MB"),
        ({"file_pdf": ("fake.pdf", PNG)}, {}, "文件格式不对：PDF只支持 PDF"),
        ({"file_pdf": ("a.pdf", PDF), "cover": ("c.png", PDF)}, {}, "图片只支持 JPG、PNG、GIF、WebP"),
        ({"file_pdf": ("a.pdf", PDF), "cover": ("c.png", PNG + b"\x00" * MB)}, {}, "图片文件不能超过 1 MB"),
        ({"file_image": ("a.png", PNG)}, {}, "请上传PDF文件"),  # the type says PDF
        ({"file_pdf": ("a.pdf", PDF)}, {"title": " "}, "雷达标题不能为空"),
        ({"file_pdf": ("a.pdf", PDF)}, {"name": "名" * 65}, "雷达名称最多 64 个字"),
        ({"file_pdf": ("a.pdf", PDF)}, {"group_id": "999"}, "请选择一个已有的雷达分组"),
        ({"file_pdf": ("a.pdf", PDF)}, {"auto_tag_ids": "no-such-tag"}, "所选标签不存在"),
        ({}, {"type": "link", "link_url": "javascript:alert(1)"}, "链接地址需以 http:// 或 https:// 开头"),
        ({}, {"type": "link", "link_url": ""}, "请填写链接地址"),
        ({}, {"type": "audio"}, "请选择文件类型"),
    ],
)
async def test_a_refused_form_says_why_keeps_what_was_typed_and_stores_nothing(
    company, files, fields, reason
):
    group = await radar_groups.create_group("产品介绍")
    csrf = await as_admin(company)
    form = radar_form(csrf, files, **{"group_id": group.id, "description": "写好的描述", **fields})
    status, html, _ = await post(company, "/console/radar/radars", form)
    assert status == 400 and reason in html
    assert "写好的描述</textarea>" in html  # what was typed is still there
    assert not await Radar.exists() and stored_files(company) == []


async def test_an_edit_refused_keeps_the_radar_and_its_files(company):
    group = await radar_groups.create_group("产品介绍")
    csrf = await as_admin(company)
    await post(
        company, "/console/radar/radars", radar_form(csrf, {"file_pdf": ("a.pdf", PDF)}, group_id=group.id)
    )
    radar = await Radar.get(name="产品手册")
    # Switching to video without a video file is refused; the PDF stays.
    form = radar_form(csrf, {"cover": ("c.png", PNG)}, type="video", group_id=group.id)
    status, html, _ = await post(company, f"/console/radar/radars/{radar.id}/edit", form)
    assert status == 400 and "请上传视频文件" in html
    await radar.refresh_from_db()
    assert radar.type == "pdf" and radar.cover == "" and stored_files(company) == [radar.file]


async def test_radars_list_by_group_in_order_without_deleted_ones(company):
    a = await radar_groups.create_group("公司介绍")
    b = await radar_groups.create_group("产品介绍")

    async def link(name: str, group) -> Radar:
        form = radars.RadarForm(name=name, group_id=group.id, type="link", title=name, link_url="http://x.cn")
        return await radars.create_radar(form)

    one, two, three = [await link(n, b) for n in ("一", "二", "三")]
    four = await link("四", a)
    await radars.move_radar(three.id, "up")
    assert [r.name for r in await radars.list_radars()] == ["四", "一", "三", "二"]
    assert not await radars.move_radar(four.id, "down")  # alone in its group
    await radars.delete_radar(one.id)
    assert [(g.name, [r.name for r in rs]) for g, rs in await radars.by_group()] == [
        ("公司介绍", ["四"]),
        ("产品介绍", ["三", "二"]),
    ]
    await radar_groups.move_group(b.id, "top")
    assert [r.name for r in await radars.list_radars()] == ["三", "二", "四"]
    with pytest.raises(InvalidInput, match="不存在或已删除"):
        await radars.move_radar(one.id, "up")
    with pytest.raises(InvalidInput, match="移动方向"):
        await radars.move_radar(two.id, "sideways")
