"""Mass-message (企业群发) tasks: who receives what, and the monthly/weekly/daily receive cap (§4)."""

from __future__ import annotations

import calendar
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from .apierror import ApiError
from .models import MassRecipient, MassTask
from .state import CorpState

_SHANGHAI = timezone(timedelta(hours=8))
RECEIVE_CAPS = ("days_in_month", "week7", "day1")


def _local(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC).astimezone(_SHANGHAI)


def cap_reached(state: CorpState, recipient: str, now: float) -> bool:
    """The current rule (doc 92135, 2025): per customer/group at most days-in-month a month, or 7 a week,
    or 1 a day, counting enterprise and member mass messages alike."""
    policy = state.limits.receive_cap
    today = _local(now)
    received = [_local(t) for t in state.receipts.get(recipient, [])]
    if policy == "day1":
        return sum(1 for d in received if d.date() == today.date()) >= 1
    if policy == "week7":
        return sum(1 for d in received if d.isocalendar()[:2] == today.isocalendar()[:2]) >= 7
    days = calendar.monthrange(today.year, today.month)[1]
    return sum(1 for d in received if (d.year, d.month) == (today.year, today.month)) >= days


def _tag_filter_matches(tag_filter: Any, tag_ids: list[str]) -> bool:
    """OR inside each group_list entry, AND across entries (§3.7)."""
    if not isinstance(tag_filter, dict):
        return True
    for group in tag_filter.get("group_list") or []:
        wanted = set(group.get("tag_list") or [])
        if len(wanted) > 100:
            raise ApiError(40058, "tag_filter tag_list exceed max length 100")
        if wanted and not wanted & set(tag_ids):
            return False
    return True


def create_task(
    state: CorpState,
    body: dict[str, Any],
    text: dict[str, Any] | None,
    attachments: list[Any],
    *,
    create_type: int = 0,
    creator: str | None = None,
) -> tuple[MassTask, list[str]]:
    """Build the task and its fail_list from add_msg_template's fields, their types already checked."""
    chat_type = body.get("chat_type") or "single"
    if chat_type not in ("single", "group"):
        raise ApiError(40058, "chat_type must be single or group")
    sender = body.get("sender") or None
    if sender is not None:
        member = state.members.get(sender)
        if member is None or not member.active or not member.external_contact:
            raise ApiError(60011, f"sender {sender!r}")
    task = MassTask(
        msgid=state.new_id("msg", 32),
        chat_type=chat_type,
        create_time=state.now(),
        create_type=create_type,
        creator=creator,
        text=text,
        attachments=attachments,
        allow_select=bool(body.get("allow_select")),
    )
    fail_list: list[str] = []
    if chat_type == "single":
        external_ids = body.get("external_userid") or []
        if not isinstance(external_ids, list) or len(external_ids) > 10000:
            raise ApiError(40058, "field `external_userid` exceed max length 10000")
        if not external_ids and sender is None:
            raise ApiError(40058, "external_userid and sender are both empty")
        if not external_ids:
            external_ids = [f.external_userid for f in state.follows_of_member(sender)]
        for ext in dict.fromkeys(external_ids):
            follows = [
                f
                for f in state.follows_of_customer(ext)
                if (sender is None or f.userid == sender)
                and f.userid in state.members
                and state.members[f.userid].active
            ]
            if not follows:
                fail_list.append(ext)
                continue
            follows = [f for f in follows if _tag_filter_matches(body.get("tag_filter"), f.tag_ids)]
            if follows:
                # Only the follower who interacted last gets the task (§4).
                follow = max(follows, key=lambda f: f.last_interaction)
                task.recipients.append(MassRecipient(userid=follow.userid, external_userid=ext))
    else:
        if sender is None:
            raise ApiError(40058, "sender is required for chat_type group")
        chat_ids = body.get("chat_id_list") or []
        if not isinstance(chat_ids, list) or len(chat_ids) > 2000:
            raise ApiError(40058, "field `chat_id_list` exceed max length 2000")
        if not chat_ids:
            chat_ids = [
                c.chat_id for c in state.group_chats.values() if c.owner == sender and not c.dismissed
            ]
        for chat_id in dict.fromkeys(chat_ids):
            chat = state.group_chats.get(chat_id)
            if chat is None or chat.dismissed or chat.owner != sender:
                fail_list.append(chat_id)
            else:
                task.recipients.append(MassRecipient(userid=sender, chat_id=chat_id))
    for recipient in task.recipients:
        task.member_status.setdefault(recipient.userid, 0)
    state.mass_tasks[task.msgid] = task
    return task, fail_list


def confirm(state: CorpState, task: MassTask, userid: str) -> dict[str, int]:
    """The member taps send: each of their recipients becomes 1 sent, 2 not a friend or 3 capped."""
    if task.cancelled:
        raise ApiError(40058, "the task was cancelled")
    if userid not in task.member_status:
        raise ApiError(40058, f"{userid} has no part in {task.msgid}")
    if task.member_status[userid] == 2:
        raise ApiError(40058, f"{userid} already sent {task.msgid}")
    now = state.now()
    counts = {"sent": 0, "not_friend": 0, "capped": 0}
    for r in task.recipients:
        if r.userid != userid or r.status != 0:
            continue
        if r.external_userid:
            follow = state.follows.get((userid, r.external_userid))
            reachable = follow is not None and not follow.lost
        else:
            chat = state.group_chats.get(r.chat_id)
            reachable = chat is not None and not chat.dismissed
        key = r.external_userid or r.chat_id
        if not reachable:
            r.status = 2
            counts["not_friend"] += 1
        elif cap_reached(state, key, now):
            r.status = 3
            counts["capped"] += 1
        else:
            r.status, r.send_time = 1, now
            state.receipts.setdefault(key, []).append(now)
            counts["sent"] += 1
    task.member_status[userid] = 2
    task.member_send_time[userid] = now
    return counts
