"""Emulated mass messaging: add_msg_template and the v2 task/result queries, remind and cancel (§3.7)."""

from __future__ import annotations

from typing import Any

from .. import mass
from ..apierror import ApiError
from ..models import MassTask
from .content import ATTACHMENTS, TEXT, validate_content
from .fields import Bool, Int, List, Obj, Str
from .routing import Call, paginate, require_member, route

MONTH = 31 * 86400
TIME_MAX = 2**31
MSGID = Str("msgid", required=40058)
PAGE = (Str("cursor"), Int("limit", lo=1, hi=1000, default=500))
TAG_FILTER = Obj(
    "tag_filter",
    fields=(List("group_list", item=Obj("group", fields=(List("tag_list", max_items=100),))),),
)


def _task(call: Call) -> MassTask:
    msgid = call.arg("msgid")
    task = call.state.mass_tasks.get(msgid)
    if task is None:
        raise ApiError(40058, f"invalid msgid {msgid}")
    return task


@route(
    "externalcontact/add_msg_template",
    Str("chat_type"),
    List("external_userid", max_items=10000),
    List("chat_id_list", max_items=2000),
    TAG_FILTER,
    Str("sender"),
    Bool("allow_select"),
    TEXT,
    ATTACHMENTS,
)
def add_msg_template(call: Call) -> dict[str, Any]:
    text, attachments = validate_content(call)
    task, fail_list = mass.create_task(call.state, call.args, text, attachments)
    return {"fail_list": fail_list, "msgid": task.msgid}


@route(
    "externalcontact/get_groupmsg_list_v2",
    Str("chat_type", required=40058),
    Int("start_time", hi=TIME_MAX, default=-1),
    Int("end_time", hi=TIME_MAX, default=-1),
    Str("creator"),
    Int("filter_type", hi=2, default=2),
    Str("cursor"),
    Int("limit", lo=1, hi=100, default=50),
)
def get_groupmsg_list_v2(call: Call) -> dict[str, Any]:
    chat_type = call.arg("chat_type")
    start, end = call.arg("start_time"), call.arg("end_time")
    if start < 0 or end < 0 or start > end or end - start > MONTH:
        raise ApiError(40058, "start_time/end_time must span at most one month")
    filter_type, limit, creator = call.arg("filter_type"), call.arg("limit"), call.arg("creator")
    tasks = [
        t
        for t in sorted(call.state.mass_tasks.values(), key=lambda t: (t.create_time, t.msgid))
        if t.chat_type == chat_type
        and start <= t.create_time <= end
        and filter_type in (2, t.create_type)
        and (not creator or t.creator == creator)
    ]
    page, next_cursor = paginate(
        tasks, call.arg("cursor"), limit, f"msgs:{chat_type}:{start}:{end}:{filter_type}"
    )
    items = []
    for task in page:
        item: dict[str, Any] = {
            "msgid": task.msgid,
            "create_time": task.create_time,
            "create_type": task.create_type,
        }
        if task.creator:
            item["creator"] = task.creator
        if task.text:
            item["text"] = task.text
        if task.attachments:
            item["attachments"] = task.attachments
        items.append(item)
    return {"group_msg_list": items, "next_cursor": next_cursor}


@route("externalcontact/get_groupmsg_task", MSGID, *PAGE)
def get_groupmsg_task(call: Call) -> dict[str, Any]:
    task = _task(call)
    limit = call.arg("limit")
    rows = []
    for userid, status in task.member_status.items():
        row: dict[str, Any] = {"userid": userid, "status": status}
        if status == 2:
            row["send_time"] = task.member_send_time[userid]
        rows.append(row)
    page, next_cursor = paginate(rows, call.arg("cursor"), limit, f"task:{task.msgid}")
    return {"task_list": list(page), "next_cursor": next_cursor}


@route("externalcontact/get_groupmsg_send_result", MSGID, Str("userid", required=41009), *PAGE)
def get_groupmsg_send_result(call: Call) -> dict[str, Any]:
    task = _task(call)
    userid = call.arg("userid")
    require_member(call.state, userid)
    limit = call.arg("limit")
    rows = []
    for r in task.recipients:
        if r.userid != userid:
            continue
        row: dict[str, Any] = {"userid": r.userid, "status": r.status}
        row["external_userid" if r.external_userid else "chat_id"] = r.external_userid or r.chat_id
        if r.status == 1:
            row["send_time"] = r.send_time
        rows.append(row)
    page, next_cursor = paginate(rows, call.arg("cursor"), limit, f"result:{task.msgid}:{userid}")
    return {"send_list": list(page), "next_cursor": next_cursor}


@route("externalcontact/remind_groupmsg_send", MSGID)
def remind_groupmsg_send(call: Call) -> dict[str, Any]:
    task = _task(call)
    now = call.state.clock()
    task.reminders = [t for t in task.reminders if now - t < 86400]
    if len(task.reminders) >= call.state.limits.reminds_per_day:
        raise ApiError(45009, "at most 3 reminders per task in 24 hours")
    task.reminders.append(now)
    return {}


@route("externalcontact/cancel_groupmsg_send", MSGID)
def cancel_groupmsg_send(call: Call) -> dict[str, Any]:
    task = _task(call)
    task.cancelled = True
    return {}
