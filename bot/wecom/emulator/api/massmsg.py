"""Emulated mass messaging: add_msg_template and the v2 task/result queries, remind and cancel (§3.7)."""

from __future__ import annotations

from typing import Any

from .. import mass
from ..apierror import ApiError
from ..models import MassTask
from .routing import Call, int_arg, paginate, require_member, require_str, route
from .ways import validate_content

MONTH = 31 * 86400


def _task(call: Call) -> MassTask:
    msgid = require_str(call, "msgid")
    task = call.state.mass_tasks.get(msgid)
    if task is None:
        raise ApiError(40058, f"invalid msgid {msgid}")
    return task


@route("externalcontact/add_msg_template")
def add_msg_template(call: Call) -> dict[str, Any]:
    text, attachments = validate_content(call)
    task, fail_list = mass.create_task(call.state, call.body, text, attachments)
    return {"fail_list": fail_list, "msgid": task.msgid}


@route("externalcontact/get_groupmsg_list_v2")
def get_groupmsg_list_v2(call: Call) -> dict[str, Any]:
    chat_type = require_str(call, "chat_type")
    start = int_arg(call, "start_time", -1, 0, 2**31)
    end = int_arg(call, "end_time", -1, 0, 2**31)
    if start < 0 or end < 0 or start > end or end - start > MONTH:
        raise ApiError(40058, "start_time/end_time must span at most one month")
    filter_type = int_arg(call, "filter_type", 2, 0, 2)
    limit = int_arg(call, "limit", 50, 1, 100)
    creator = call.arg("creator")
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


@route("externalcontact/get_groupmsg_task")
def get_groupmsg_task(call: Call) -> dict[str, Any]:
    task = _task(call)
    limit = int_arg(call, "limit", 500, 1, 1000)
    rows = []
    for userid, status in task.member_status.items():
        row: dict[str, Any] = {"userid": userid, "status": status}
        if status == 2:
            row["send_time"] = task.member_send_time[userid]
        rows.append(row)
    page, next_cursor = paginate(rows, call.arg("cursor"), limit, f"task:{task.msgid}")
    return {"task_list": list(page), "next_cursor": next_cursor}


@route("externalcontact/get_groupmsg_send_result")
def get_groupmsg_send_result(call: Call) -> dict[str, Any]:
    task = _task(call)
    userid = require_str(call, "userid")
    require_member(call.state, userid)
    limit = int_arg(call, "limit", 500, 1, 1000)
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


@route("externalcontact/remind_groupmsg_send")
def remind_groupmsg_send(call: Call) -> dict[str, Any]:
    task = _task(call)
    now = call.state.clock()
    task.reminders = [t for t in task.reminders if now - t < 86400]
    if len(task.reminders) >= call.state.limits.reminds_per_day:
        raise ApiError(45009, "at most 3 reminders per task in 24 hours")
    task.reminders.append(now)
    return {}


@route("externalcontact/cancel_groupmsg_send")
def cancel_groupmsg_send(call: Call) -> dict[str, Any]:
    task = _task(call)
    task.cancelled = True
    return {}
