"""The console's radar pages (/console/radar/radars): the list by group with order and delete, and the
create / edit form whose files stream to disk as they arrive."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import BodyPartReader, web
from multidict import MultiDict

from bot.appkeys import SETTINGS
from bot.contacts import reads
from bot.radar import files as radar_files
from bot.radar import groups as radar_groups
from bot.radar import radars
from bot.store import ordering
from bot.values import InvalidInput
from sidebar_web.admin.lists import admin_form, apply
from sidebar_web.admin.paging import pager, read_filters
from sidebar_web.admin.views import admin_only, console_page
from sidebar_web.api.params import PAGING, Param, path_id, printable, unreadable, whole_number
from sidebar_web.auth import csrf_ok

ADMINS_ONLY = "只有管理员可以管理智能雷达。"
MISSING = "这个雷达不存在或已删除。"
EXPIRED = "页面已过期，请刷新后重试。"
# form fields: plain text, and file inputs with the kind their bytes must be
TEXT_FIELDS = {
    "csrf", "name", "group_id", "type", "title", "description", "link_url", "remove_cover", "friends_only",
    "auto_tag_ids", "notify_staff", "record_timeline",
}  # fmt: skip
FILE_FIELDS = {
    "file_pdf": radar_files.PDF,
    "file_image": radar_files.IMAGE,
    "file_video": radar_files.VIDEO,
    "cover": radar_files.IMAGE,
}
MAX_PARTS = 500  # a form has a dozen fields and one per chosen tag


LIST_PARAMS = (
    Param("saved", "int", "The radar just saved: its page opens", minimum=1, label="已保存的雷达"),
    Param("group", "int", "Open the page where this group starts", minimum=1, label="雷达分组"),
    *PAGING,
)


async def radar_list(request: web.Request) -> web.Response:
    await admin_only(request, ADMINS_ONLY)
    return await _render(request)


async def move(request: web.Request) -> web.Response:
    form = await admin_form(request, ADMINS_ONLY)
    change = radars.move_radar(path_id(request, "radar_id", MISSING), str(form.get("direction", "")))
    return await apply(request, _render, change)


async def delete(request: web.Request) -> web.Response:
    await admin_form(request, ADMINS_ONLY)
    change = radars.delete_radar(path_id(request, "radar_id", MISSING))
    return await apply(request, _render, change, "已删除雷达“{}”，发出去的链接将提示客户联系顾问。")


async def new_form(request: web.Request) -> web.Response:
    await admin_only(request, ADMINS_ONLY)
    values = {"type": "link", "group_id": whole_number(request.query.get("group", ""))}
    return await _form_page(request, None, {**_defaults(), **values})


async def edit_form(request: web.Request) -> web.Response:
    await admin_only(request, ADMINS_ONLY)
    radar = await radars.get_radar(path_id(request, "radar_id", MISSING))
    if radar is None:
        raise web.HTTPNotFound(text=MISSING)
    return await _form_page(request, radar, _values_of(radar))


async def create(request: web.Request) -> web.Response:
    await admin_only(request, ADMINS_ONLY)
    return await _save(request, None)


async def update(request: web.Request) -> web.Response:
    await admin_only(request, ADMINS_ONLY)
    radar = await radars.get_radar(path_id(request, "radar_id", MISSING))
    if radar is None:
        raise web.HTTPNotFound(text=MISSING)
    return await _save(request, radar)


async def _save(request: web.Request, radar) -> web.Response:
    """Read the form (files straight to disk), then create or update; a refusal keeps nothing it stored."""
    data_dir = request.app[SETTINGS].data_dir
    fields: MultiDict[str] = MultiDict()
    stored: dict[str, str] = {}
    try:
        await _read_form(request, fields, stored)
        form = _form_of(fields, stored)
        if radar is None:
            saved = await radars.create_radar(form)
        else:
            saved = await radars.update_radar(radar.id, form, data_dir)
    except InvalidInput as exc:
        await radar_files.remove(data_dir, *stored.values())
        values = {**(_values_of(radar) if radar else _defaults()), **_values_from(fields)}
        return await _form_page(request, radar, values, error=exc.message, field=exc.field, status=400)
    except BaseException:
        await radar_files.remove(data_dir, *stored.values())
        raise
    # Files for the types not chosen (picked, then the type changed) are not kept.
    await radar_files.remove(data_dir, *(n for n in stored.values() if n not in (saved.file, saved.cover)))
    target = request.app.router["console_radars"].url_for().with_query(saved=str(saved.id))
    raise web.HTTPSeeOther(target.with_fragment(f"radar-{saved.id}"))


async def _read_form(request: web.Request, fields: MultiDict, stored: dict[str, str]) -> None:
    """Fill `fields` with the text parts and `stored` with the files written to disk. The CSRF token (header,
    or a field before the first file) is checked before any file byte is stored."""
    settings = request.app[SETTINGS]
    header = request.headers.get("X-CSRF-Token", "")
    if request.content_type != "multipart/form-data":  # a form without files (link radars, edits)
        posted = await request.post()
        fields.extend((k, v) for k, v in posted.items() if k in TEXT_FIELDS and isinstance(v, str))
        if not csrf_ok(request, header or fields.get("csrf", "")):
            raise web.HTTPForbidden(text=EXPIRED)
        return
    reader = await request.multipart()
    parts = 0
    while (part := await reader.next()) is not None:
        parts += 1
        if parts > MAX_PARTS or not isinstance(part, BodyPartReader):
            raise web.HTTPBadRequest(text="表单内容不正确，请刷新后重试。")
        if part.name in FILE_FIELDS and part.filename:
            if not csrf_ok(request, header or fields.get("csrf", "")):
                raise web.HTTPForbidden(text=EXPIRED)
            kind = FILE_FIELDS[part.name]
            limit = radar_files.max_bytes(settings.radar, kind)
            stored[part.name] = await radar_files.store(
                settings.data_dir, _chunks(part), kind, limit, "cover" if part.name == "cover" else "file"
            )
        elif part.name in TEXT_FIELDS:
            text = await part.text()
            if not printable(text, lines=True):
                raise unreadable(part.name)
            fields.add(part.name, text)
    if not csrf_ok(request, header or fields.get("csrf", "")):
        raise web.HTTPForbidden(text=EXPIRED)


async def _chunks(part: BodyPartReader) -> AsyncIterator[bytes]:
    while chunk := await part.read_chunk(256 * 1024):
        yield chunk


def _form_of(fields: MultiDict, stored: dict[str, str]) -> radars.RadarForm:
    kind = fields.get("type", "")
    return radars.RadarForm(
        name=fields.get("name", ""),
        group_id=whole_number(fields.get("group_id", "")),
        type=kind,
        title=fields.get("title", ""),
        description=fields.get("description", ""),
        link_url=fields.get("link_url", ""),
        file=stored.get(f"file_{kind}", ""),
        cover=stored.get("cover", ""),
        remove_cover="remove_cover" in fields,
        friends_only="friends_only" in fields,
        auto_tag_ids=fields.getall("auto_tag_ids", []),
        notify_staff="notify_staff" in fields,
        record_timeline="record_timeline" in fields,
    )


def _defaults() -> dict:
    return {
        "name": "", "title": "", "description": "", "link_url": "", "file": "", "cover": "",
        "friends_only": False, "auto_tag_ids": [], "notify_staff": True, "record_timeline": True,
    }  # fmt: skip


def _values_of(radar) -> dict:
    keys = (*_defaults(), "group_id", "type")
    return {key: getattr(radar, key) for key in keys}


def _values_from(fields: MultiDict) -> dict:
    """What the person typed, shown again above the refusal (files must be chosen again)."""
    form = _form_of(fields, {})
    keys = [key for key in (*_defaults(), "group_id", "type") if key not in ("file", "cover")]
    return {key: getattr(form, key) for key in keys}


async def _form_page(request, radar, values: dict, *, error="", field="", status=200) -> web.Response:
    settings = request.app[SETTINGS]
    limits = {kind: radar_files.max_bytes(settings.radar, kind) // 2**20 for kind in radar_files.KIND_NAMES}
    context = {
        "radar": radar,
        "v": values,
        "groups": await radar_groups.list_groups(),
        "tag_groups": await reads.tag_groups(),
        "types": radars.TYPES,
        "limits": limits,
        "accepted": radar_files.ACCEPTED,
        "media_path": radar_files.media_path,
        "field": field,
        "limits_text": {
            "name": radars.NAME_MAX,
            "title": radars.TITLE_MAX,
            "description": radars.DESCRIPTION_MAX,
        },  # fmt: skip
    }
    return await console_page(request, "admin/radar_form.html", status=status, error=error, **context)


async def _render(request: web.Request, *, notice: str = "", error: str = "", status: int = 200):
    """The list by group, one page of it. A change posted from a page carries that page's query, so the
    answer is the same page."""
    p, errors = read_filters(request.query, LIST_PARAMS)
    groups = await radars.by_group()
    # Paged by rows: each radar is one, and so is a group without radars (its heading and empty row).
    slots = [(g, r) for g, items in groups for r in (items or [None])]
    limit, offset = p["limit"], p["offset"]
    if "offset" not in request.query and (p["saved"] or p["group"]):
        # Open the page the saved radar is on, or where the group starts (the group page links there).
        def wanted(group, radar) -> bool:
            return radar is not None and radar.id == p["saved"] if p["saved"] else group.id == p["group"]

        offset = next((i for i, slot in enumerate(slots) if wanted(*slot)), 0) // limit * limit
    offset = min(offset, max(0, len(slots) - 1) // limit * limit)  # past the end (after deletes): the last
    saved = next((r for _, r in slots if r and r.id == p["saved"]), None)
    if saved and request.method == "GET":
        notice = notice or f"已保存雷达“{saved.name}”。"
    count = sum(len(items) for _, items in groups)
    list_url = request.app.router["console_radars"].url_for()
    pages = pager(list_url, request.query, PAGING, total=count, limit=limit, offset=offset, slots=len(slots))
    template = "admin/_radars.html" if request.headers.get("HX-Request") else "admin/radars.html"
    tag_names = {t["tag_id"]: t["name"] for g in await reads.tag_groups() for t in g["tags"]}
    context = {
        "sections": _sections(groups, slots[offset : offset + limit]),
        "has_groups": bool(groups),
        "pages": pages,
        "errors": errors,
        "types": radars.TYPES,
        "tag_names": tag_names,
        "moves": ordering.MOVES,
        "media_path": radar_files.media_path,
        "notice": notice,
    }
    status = 400 if errors else status
    return await console_page(request, template, status=status, error=error, **context)


def _sections(groups, page) -> list[dict]:
    """The page's rows under their group headings: each radar with its place in its whole group (a group
    may run over from the previous page), so order and moves read the same on every page."""
    sizes = {g.id: len(items) for g, items in groups}
    places = {r.id: i for _, items in groups for i, r in enumerate(items, 1)}
    sections: list[dict] = []
    for group, radar in page:
        if not sections or sections[-1]["group"].id != group.id:
            sections.append({"group": group, "count": sizes[group.id], "rows": []})
        if radar is not None:
            i = places[radar.id]
            sections[-1]["rows"].append((radar, i, i == 1, i == sizes[group.id]))
    return sections
