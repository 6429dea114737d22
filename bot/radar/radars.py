"""Smart radars (智能雷达, seed 002): tracked content in a group, kept in order by hand, soft-deleted so
old links can still say the radar is gone."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from yarl import URL

from bot.contacts.models import Tag
from bot.radar import files as radar_files
from bot.radar.models import Radar, RadarGroup
from bot.store import ordering
from bot.values import InvalidInput

TYPES = {Radar.LINK: "链接", Radar.PDF: "PDF", Radar.IMAGE: "图片", Radar.VIDEO: "视频"}
NAME_MAX = Radar._meta.fields_map["name"].max_length
TITLE_MAX = Radar._meta.fields_map["title"].max_length
DESCRIPTION_MAX = Radar._meta.fields_map["description"].max_length
URL_MAX = Radar._meta.fields_map["link_url"].max_length


class RadarError(InvalidInput):
    """A radar change the service refuses."""


@dataclass
class RadarForm:
    """What a person fills in for a radar. file and cover are stored names (radar_files.store); on an
    edit, empty keeps the current one, and remove_cover drops the cover."""

    name: str
    group_id: int | None
    type: str
    title: str
    description: str = ""
    link_url: str = ""
    file: str = ""
    cover: str = ""
    remove_cover: bool = False
    friends_only: bool = False
    auto_tag_ids: list[str] = field(default_factory=list)
    notify_staff: bool = True
    record_timeline: bool = True


async def list_radars(group_id: int | None = None) -> list[Radar]:
    """Live radars in display order: by group order, then each group's own order."""
    query = Radar.filter(deleted_at__isnull=True)
    if group_id is not None:
        query = query.filter(group_id=group_id)
    return await query.order_by("group__order", "group_id", "order", "id")


async def by_group(groups: list[RadarGroup] | None = None) -> list[tuple[RadarGroup, list[Radar]]]:
    """Each group (all of them, or the ones given, e.g. radar_groups.groups_for_member) with its live
    radars in order."""
    if groups is None:
        groups = await RadarGroup.all().order_by("order", "id")
    radars = await Radar.filter(deleted_at__isnull=True, group_id__in=[g.id for g in groups] or [0]).order_by(
        "order", "id"
    )
    return [(g, [r for r in radars if r.group_id == g.id]) for g in groups]


async def get_radar(radar_id: int, *, include_deleted: bool = False) -> Radar | None:
    """A radar by id; a deleted one only when asked (its old links show that it is gone)."""
    query = Radar.filter(id=radar_id)
    if not include_deleted:
        query = query.filter(deleted_at__isnull=True)
    return await query.first()


async def create_radar(form: RadarForm) -> Radar:
    values = await _validated(form, None)
    now = datetime.now(UTC)
    return await Radar.create(
        **values, order=await _next_order(values["group_id"]), created_at=now, updated_at=now
    )


async def update_radar(radar_id: int, form: RadarForm, data_dir: Path | None = None) -> Radar:
    """Save an edit; customers see it on their next open. A group change puts the radar last in its new
    group. Files the edit replaced are deleted from `data_dir` when given."""
    radar = await _radar(radar_id)
    values = await _validated(form, radar)
    replaced = [old for key in ("file", "cover") if (old := getattr(radar, key)) and old != values[key]]
    if values["group_id"] != radar.group_id:
        values["order"] = await _next_order(values["group_id"])
    radar.update_from_dict({**values, "updated_at": datetime.now(UTC)})
    await radar.save()
    if data_dir is not None:
        await radar_files.remove(data_dir, *replaced)
    return radar


async def delete_radar(radar_id: int) -> Radar:
    """Soft delete: gone from lists and the sidebar, the row stays for old links and analytics."""
    radar = await _radar(radar_id)
    radar.deleted_at = datetime.now(UTC)
    await radar.save(update_fields=["deleted_at"])
    return radar


async def move_radar(radar_id: int, direction: str) -> bool:
    """Up, down, to the top or the bottom of its group."""
    if direction not in ordering.MOVES:
        raise RadarError("direction", "移动方向只能是上移、下移、置顶或置底。")
    radar = await _radar(radar_id)
    return await ordering.move(Radar, await list_radars(radar.group_id), radar.id, direction)


async def _radar(radar_id: int) -> Radar:
    radar = await get_radar(radar_id)
    if radar is None:
        raise RadarError("radar_id", "这个雷达不存在或已删除，请刷新页面。")
    return radar


async def _next_order(group_id: int) -> int:
    last = await Radar.filter(group_id=group_id, deleted_at__isnull=True).order_by("-order").first()
    return (last.order if last else 0) + 1


async def _validated(form: RadarForm, current: Radar | None) -> dict:
    """The model's values for a form, or RadarError for the first field that is wrong."""
    name = _text(form.name, "name", "雷达名称", NAME_MAX, required=True)
    if form.group_id is None or not await RadarGroup.exists(id=form.group_id):
        raise RadarError("group_id", "请选择一个已有的雷达分组。")
    if form.type not in TYPES:
        raise RadarError("type", "请选择文件类型：链接、PDF、图片或视频。")
    title = _text(form.title, "title", "雷达标题", TITLE_MAX, required=True)
    description = _text(form.description, "description", "雷达描述", DESCRIPTION_MAX)
    link_url, file = "", ""
    if form.type == Radar.LINK:
        link_url = _link(form.link_url)
    else:
        file = form.file or (current.file if current else "")
        if radar_files.kind_of(file) != form.type:
            kind = TYPES[form.type]
            raise RadarError("file", f"请上传{kind}文件。" if not form.file else f"上传的文件不是{kind}。")
    cover = "" if form.remove_cover else form.cover or (current.cover if current else "")
    if cover and radar_files.kind_of(cover) != radar_files.IMAGE:
        raise RadarError("cover", "封面必须是图片。")
    return {
        "name": name,
        "group_id": form.group_id,
        "type": form.type,
        "title": title,
        "description": description,
        "link_url": link_url,
        "file": file,
        "cover": cover,
        "friends_only": bool(form.friends_only),
        "auto_tag_ids": await _tags(form.auto_tag_ids),
        "notify_staff": bool(form.notify_staff),
        "record_timeline": bool(form.record_timeline),
    }


def _text(value: str, field_name: str, label: str, limit: int, required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        raise RadarError(field_name, f"{label}不能为空。")
    if len(value) > limit:
        raise RadarError(field_name, f"{label}最多 {limit} 个字。")
    return value


def _link(value: str) -> str:
    value = (value or "").strip()
    if not value:
        raise RadarError("link_url", "请填写链接地址。")
    try:
        url = URL(value)
    except ValueError:
        url = None
    if url is None or url.scheme not in ("http", "https") or not url.host:
        raise RadarError("link_url", "链接地址需以 http:// 或 https:// 开头。")
    if len(value) > URL_MAX:
        raise RadarError("link_url", f"链接地址最多 {URL_MAX} 个字符。")
    return value


async def _tags(tag_ids: list[str]) -> list[str]:
    """The chosen corp tags, each once and in the order chosen; every one must still exist."""
    wanted = list(dict.fromkeys(t.strip() for t in tag_ids if t and t.strip()))
    if not wanted:
        return []
    known = set(await Tag.filter(tag_id__in=wanted, deleted=False).values_list("tag_id", flat=True))
    if set(wanted) - known:
        raise RadarError("auto_tag_ids", "所选标签不存在或已删除，请刷新后重新选择。")
    return wanted
