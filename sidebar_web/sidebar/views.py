"""The staff sidebar in WeCom's chat toolbar: entry, customer card, tags, remark, timeline, group card."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from aiohttp import web
from yarl import URL

from bot.appkeys import SETTINGS, WECOM
from bot.contacts import reads, scope, timeline
from bot.contacts.edits import EditRefused, change_remark, change_tags
from bot.followups import entries as followups
from bot.followups import stages
from bot.followups.card import customer_card
from bot.radar import sending as radar_sending
from bot.values import InvalidInput
from bot.wecom import jssdk
from sidebar_web.api.params import PAGING, Param, parse, whole_number
from sidebar_web.auth import check_csrf, csrf_token, page_viewer
from sidebar_web.render import STATIC_URLS, TIMELINE_LABELS, render

# WeUI's icon for each timeline type, so a glance tells a gain from a loss.
TIMELINE_ICONS = {
    timeline.ADDED: "weui-icon-success-no-circle",
    timeline.LOST: "weui-icon-warn",
    timeline.DELETED_BY_STAFF: "weui-icon-cancel",
    timeline.REMARK_CHANGED: "weui-icon-info-circle",
    timeline.TAGS_ADDED: "weui-icon-success-circle",
    timeline.TAGS_REMOVED: "weui-icon-clear",
    timeline.TRANSFER_FAILED: "weui-icon-warn",
    timeline.JOINED_GROUP: "weui-icon-download",
    timeline.LEFT_GROUP: "weui-icon-outlined-back",
    timeline.FOLLOW_UP: "weui-icon-info-circle",
    timeline.STAGE_CHANGED: "weui-icon-success-no-circle",
    timeline.REMINDER_SENT: "weui-icon-waiting-circle",
    timeline.RADAR_OPENED: "weui-icon-search",
    timeline.RADAR_READ: "weui-icon-success-circle",
    timeline.RADAR_SHARED: "weui-icon-download",
}


async def _page(request: web.Request, template: str, *, status: int = 200, **context) -> web.Response:
    viewer = await page_viewer(request)
    settings = request.app[SETTINGS]
    return render(
        template,
        {
            "viewer": viewer,
            "tz": settings.server.timezone,
            "csrf": csrf_token(request),
            "url": request.app.router,
            "static": request.app[STATIC_URLS],
            "shim": settings.emulator.jssdk_shim,
            "emulator_url": settings.wecom.api_base_url if settings.emulator.jssdk_shim else "",
            "corp_id": settings.wecom.corp_id,
            "agent_id": settings.wecom.agent_id,
            "TIMELINE_LABELS": TIMELINE_LABELS,
            "TIMELINE_ICONS": TIMELINE_ICONS,
            # The follow-up box counts as the service does, so its first count matches the script's.
            "follow_up_max": followups.TEXT_MAX,
            "follow_up_length": lambda text: len(followups.clean_text(text)),
            **context,
        },
        status,
    )


async def entry(request: web.Request) -> web.Response:
    """The URL configured in the chat toolbar: asks the WeCom client which chat is open, then goes there."""
    await page_viewer(request)
    return await _page(request, "sidebar/entry.html")


PAGE_URL = Param("url", "text", "The page to sign", label="页面地址")


async def jssdk_config(request: web.Request) -> web.Response:
    """Signatures for ww.register, only for pages of this server."""
    await page_viewer(request)
    settings = request.app[SETTINGS]
    page = request.query.get("url", "")
    if not page.startswith(settings.public_url + "/"):
        raise PAGE_URL.refuse("not_ours", site=settings.public_url)
    w = settings.wecom
    return web.json_response(await jssdk.jssdk_config(request.app[WECOM], w.corp_id, w.agent_id, page))


TIMELINE_PARAMS = (Param("type", "choices", "event types", timeline.TYPES, label="动态类型"), *PAGING)


async def customer(request: web.Request) -> web.Response:
    viewer = await page_viewer(request)
    p = parse(request.query, TIMELINE_PARAMS)
    external_userid = request.match_info["external_userid"]
    card = await customer_card(viewer, external_userid)
    if card is None:
        raise web.HTTPNotFound(text="找不到这位客户，或你没有查看权限。")
    total, events = await reads.customer_timeline(
        viewer, external_userid, types=p["type"] or (), limit=p["limit"], offset=p["offset"]
    )
    more = ""
    if p["offset"] + p["limit"] < total:
        more = str(request.rel_url.update_query(offset=p["offset"] + p["limit"]))
    context = {"c": card, "events": events, "events_total": total, "more": more, "p": p}
    if request.headers.get("HX-Request") and request.headers.get("HX-Target") == "timeline":
        return await _page(request, "sidebar/_timeline.html", **context)
    return await _page(
        request,
        "sidebar/customer.html",
        tag_groups=await reads.tag_groups(),
        radar_groups=await radar_sending.radars_for_member(viewer.userid),
        **context,
    )


async def _edit_section(
    request: web.Request, template: str, error: str = "", done: str = "", *, status: int = 200, **extra
) -> web.Response:
    viewer = await page_viewer(request)
    card = await customer_card(viewer, request.match_info["external_userid"])
    if card is None:
        raise web.HTTPNotFound(text="找不到这位客户，或你没有查看权限。")
    return await _page(
        request, template, status=status, c=card, tag_groups=await reads.tag_groups(), error=error, done=done,
        **extra,
    )  # fmt: skip


async def toggle_tag(request: web.Request) -> web.Response:
    """Tap a tag: WeCom first (mark_tag), then the mirror; a refusal leaves the tags as they were."""
    viewer = await page_viewer(request)
    await check_csrf(request)
    form = await request.post()
    tag_id, op = str(form.get("tag_id", "")), str(form.get("op", ""))
    if op not in ("add", "remove") or not tag_id:
        raise web.HTTPBadRequest(text="请选择要添加或移除的标签。")
    ext = request.match_info["external_userid"]
    try:
        add, remove = ([tag_id], []) if op == "add" else ([], [tag_id])
        await change_tags(request.app[WECOM], viewer.userid, ext, add=add, remove=remove)
    except EditRefused as exc:
        return await _edit_section(request, "sidebar/_tags.html", error=str(exc))
    return await _edit_section(
        request, "sidebar/_tags.html", done="已添加标签" if op == "add" else "已移除标签"
    )


async def save_remark(request: web.Request) -> web.Response:
    viewer = await page_viewer(request)
    await check_csrf(request)
    form = await request.post()
    try:
        await change_remark(
            request.app[WECOM],
            viewer.userid,
            request.match_info["external_userid"],
            str(form.get("remark", "")),
            str(form.get("description", "")),
        )
    except EditRefused as exc:
        return await _edit_section(request, "sidebar/_remark.html", error=str(exc))
    return await _edit_section(request, "sidebar/_remark.html", done="备注已保存")


async def stage(request: web.Request) -> web.Response:
    return await _edit_section(request, "sidebar/_stage.html")


async def save_stage(request: web.Request) -> web.Response:
    viewer = await _editable(request)
    form = await request.post()
    try:
        await stages.set_stage(
            request.match_info["external_userid"], viewer.userid, _int(form.get("stage_id"))
        )
    except InvalidInput as exc:
        return await _edit_section(request, "sidebar/_stage.html", error=exc.message)
    return await _edit_section(request, "sidebar/_stage.html", done="阶段已更新")


async def log_follow_up(request: web.Request) -> web.Response:
    """A follow-up with an optional stage change and reminder; the timeline reloads to show it. A refusal
    (400) gives the form back as it was typed, the reason beside the field at fault."""
    viewer = await _editable(request)
    form = await request.post()
    typed = {key: str(form.get(key, "")) for key in ("text", "stage_id", "remind_at")}
    tz = request.app[SETTINGS].server.timezone
    try:
        remind_at = _local_datetime(typed["remind_at"], tz)
        stage_id = _int(typed["stage_id"]) if typed["stage_id"] else None
        await followups.log_follow_up(
            viewer.userid,
            request.match_info["external_userid"],
            typed["text"],
            stage_id=stage_id,
            remind_at=remind_at,
        )
    except InvalidInput as exc:
        return await _edit_section(
            request, "sidebar/_followup.html", error=exc.message, field=exc.field, typed=typed, status=400
        )
    response = await _edit_section(request, "sidebar/_followup.html", done="跟进已记录")
    response.headers["HX-Trigger"] = "timeline-changed, stage-changed"
    return response


async def _editable(request: web.Request):
    """The viewer, for a write: the CSRF token checked and the customer in their scope."""
    viewer = await page_viewer(request)
    await check_csrf(request)
    if not await scope.can_see_customer(viewer, request.match_info["external_userid"]):
        raise web.HTTPNotFound(text="找不到这位客户，或你没有查看权限。")
    return viewer


def _int(value) -> int:
    number = whole_number(str(value))
    if number is None:
        raise InvalidInput("stage_id", "请选择客户阶段。")
    return number


def _local_datetime(text: str, tz: str) -> datetime | None:
    """A datetime-local field (the corp's wall clock) as an aware time; empty means no reminder."""
    if not text:
        return None
    try:
        return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(tz))
    except ValueError:
        raise InvalidInput("remind_at", "提醒时间格式不对。") from None


async def group(request: web.Request) -> web.Response:
    viewer = await page_viewer(request)
    card = await reads.group_card(
        viewer, request.match_info["chat_id"], request.app[SETTINGS].server.timezone
    )
    if card is None:
        raise web.HTTPNotFound(text="找不到这个客户群，或你没有查看权限。")
    return await _page(
        request,
        "sidebar/group.html",
        g=card,
        radar_groups=await radar_sending.radars_for_member(viewer.userid),
    )


async def try_it(request: web.Request) -> web.Response:
    """Demo and tests: choose the chat the stand-in JS-SDK reports, as if opened from WeCom's toolbar."""
    viewer = await page_viewer(request)
    page = await reads.list_customers(viewer, reads.CustomerFilter(statuses=("active",)), limit=50, offset=0)
    total, chats = await reads.group_chats(
        viewer, tz=request.app[SETTINGS].server.timezone, limit=50, offset=0
    )
    entry_url = URL(str(request.app.router["sidebar"].url_for()))
    return await _page(
        request,
        "sidebar/try.html",
        customers=[
            (
                c,
                str(
                    entry_url.with_query(
                        shim_entry="single_chat_tools", shim_external_userid=c["external_userid"]
                    )
                ),
            )
            for c in page.items
        ],
        groups=[
            (g, str(entry_url.with_query(shim_entry="group_chat_tools", shim_chat_id=g["chat_id"])))
            for g in chats
        ],
    )
