"""Stages, follow-ups and their reminders: what staff log reaches the timeline, and the reminder reaches the
staff member in WeCom at its time, once, even when a send fails or two processes run the job."""

import asyncio
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot import notify
from bot.appkeys import SETTINGS, WECOM
from bot.contacts import timeline
from bot.contacts.models import TimelineEvent
from bot.followups import entries as followups
from bot.followups import reminders, stages
from bot.followups.models import CustomerStage, FollowUp, Reminder, Stage
from bot.jobs import JobContext
from bot.scheduler import JOBS
from bot.settings import SettingsError, load
from bot.values import InvalidInput
from tests.readapi_corp import login

HOUR = timedelta(hours=1)
TICK = timedelta(seconds=30)  # notify.reminder_interval


def textcards(emulator, userid: str) -> list[dict]:
    """The textcards WeCom delivered to a staff member."""
    return [
        m["payload"]["textcard"]
        for m in emulator.state.messages
        if m["msgtype"] == "textcard" and userid in m["recipients"]
    ]


async def send_due(company, now: datetime, batch: int = 50, **notify_settings):
    settings = company.client.app[SETTINGS]
    if notify_settings:
        settings = settings.replace(notify=notify_settings)
    return await reminders.send_due_reminders(company.client.app[WECOM], settings, now=now, batch=batch)


async def stage_id(name: str) -> int:
    return next(s.id for s in await stages.list_stages() if s.name == name)


async def test_a_new_install_offers_the_four_default_stages_once(live_database):
    first, again = await asyncio.gather(stages.list_stages(), stages.list_stages())
    assert [s.name for s in first] == ["潜在客户", "意向客户", "成交客户", "已流失"]
    assert [s.id for s in again] == [s.id for s in first]
    assert await Stage.all().count() == 4


async def test_admins_add_rename_order_and_delete_stages(live_database):
    await stages.list_stages()
    added = await stages.create_stage("  复购客户 ")
    assert added.name == "复购客户"
    await stages.rename_stage(added.id, "老客户复购")
    await stages.move_stage(added.id, "up")
    names = [s.name for s in await stages.list_stages()]
    assert names == ["潜在客户", "意向客户", "成交客户", "老客户复购", "已流失"]
    await stages.move_stage(await stage_id("潜在客户"), "up")  # already first: nothing moves
    assert [s.name for s in await stages.list_stages()] == names
    assert await stages.delete_stage(added.id) == 0
    assert "老客户复购" not in [s.name for s in await stages.list_stages()]
    # The name is free again once its stage is deleted.
    assert (await stages.create_stage("老客户复购")).id != added.id


@pytest.mark.parametrize(
    ("call", "field", "message"),
    [
        (lambda ids: stages.create_stage("   "), "name", "阶段名称不能为空"),
        (lambda ids: stages.create_stage("很" * 21), "name", "不能超过 20 个字（现在 21 个）"),
        (lambda ids: stages.create_stage("意向客户"), "name", "已有名为「意向客户」的阶段"),
        (lambda ids: stages.rename_stage(ids["潜在客户"], "成交客户"), "name", "已有名为「成交客户」"),
        (lambda ids: stages.rename_stage(9999, "新名字"), "stage_id", "客户阶段不存在"),
        (lambda ids: stages.delete_stage(9999), "stage_id", "客户阶段不存在"),
        (lambda ids: stages.move_stage(ids["潜在客户"], "left"), "direction", "上移或下移"),
    ],
)
async def test_stage_changes_that_make_no_sense_are_refused_and_change_nothing(
    live_database, call, field, message
):
    ids = {s.name: s.id for s in await stages.list_stages()}
    before = await Stage.all().order_by("id").values_list("id", "name", "order", "deleted")
    with pytest.raises(stages.StageError) as refused:
        await call(ids)
    assert refused.value.field == field and message in str(refused.value)
    assert await Stage.all().order_by("id").values_list("id", "name", "order", "deleted") == before


async def test_the_last_stage_cannot_be_deleted(live_database):
    *others, last = await stages.list_stages()
    for s in others:
        await stages.delete_stage(s.id)
    with pytest.raises(stages.StageError, match="至少需要保留一个客户阶段"):
        await stages.delete_stage(last.id)


async def test_a_staff_members_stage_for_a_customer_is_theirs_and_every_change_is_in_the_timeline(company):
    c4 = company.ids["c4"]  # followed by s1 and kf
    await stages.set_stage(c4, "s1", await stage_id("意向客户"))
    await stages.set_stage(c4, "s1", await stage_id("成交客户"))
    await stages.set_stage(c4, "s1", await stage_id("成交客户"))  # unchanged: no entry
    assert (await stages.stage_of(c4, "s1")).name == "成交客户"
    assert await stages.stage_of(c4, "kf") is None  # kf judges the customer on their own
    _, events = await timeline.read(c4, types=(timeline.STAGE_CHANGED,))
    assert [(e.userid, e.payload) for e in events] == [
        ("s1", {"old": "意向客户", "new": "成交客户"}),
        ("s1", {"old": "", "new": "意向客户"}),
    ]
    # A deleted stage stays readable where it is in use, and can no longer be chosen.
    deal = await stage_id("成交客户")
    assert await stages.delete_stage(deal) == 1
    assert (await stages.stage_of(c4, "s1")).name == "成交客户"
    with pytest.raises(stages.StageError, match="「成交客户」已删除"):
        await stages.set_stage(c4, "kf", deal)


async def test_only_a_follower_sets_a_customers_stage(company):
    with pytest.raises(InvalidInput, match="不是这位客户的跟进人"):
        await stages.set_stage(company.ids["c2"], "s1", await stage_id("意向客户"))
    with pytest.raises(InvalidInput, match="客户不存在"):
        await stages.set_stage("wmNOBODY", "s1", await stage_id("意向客户"))
    assert not await CustomerStage.exists()


async def test_a_follow_up_with_a_reminder_reaches_the_staff_member_at_its_time_and_only_once(company):
    c4, emulator = company.ids["c4"], company.emulator
    now = datetime.now(UTC)
    due = now + 2 * HOUR
    follow_up = await followups.log_follow_up(
        "s1", c4, "聊了报价，下周带合同上门", stage_id=await stage_id("意向客户"), remind_at=due, now=now
    )
    assert (await send_due(company, due - timedelta(seconds=1))) == {}
    assert textcards(emulator, "s1") == []

    # Two processes running the job at once: one of them sends.
    first, second = await asyncio.gather(send_due(company, due), send_due(company, due))
    assert first + second == {"sent": 1}
    await send_due(company, due + HOUR)
    [card] = textcards(emulator, "s1")
    assert card["url"] == f"{company.client.app[SETTINGS].public_url}/sidebar/customers/{c4}"
    assert card["btntxt"] == "详情"
    assert "孙悟空" in card["title"] and "老客户（孙悟空）" in card["description"]  # s1's remark, then name
    assert "聊了报价，下周带合同上门" in card["description"]
    local_due = due.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M")  # server.timezone
    assert local_due in card["description"]
    reminder = await Reminder.get(follow_up_id=follow_up.id)
    assert (reminder.status, reminder.attempts, reminder.sent_at) == ("sent", 1, due)

    # The timeline shows all of it, with the staff member's name.
    status, body = await company.get(f"/api/v1/customers/{c4}/timeline", "ops")
    assert status == 200, body
    ours = (timeline.REMINDER_SENT, timeline.FOLLOW_UP, timeline.STAGE_CHANGED)
    mine = [(e["type"], e["staff_name"]) for e in body["items"] if e["type"] in ours]
    assert mine == [("reminder_sent", "张三"), ("follow_up", "张三"), ("stage_changed", "张三")]
    logged = next(e for e in body["items"] if e["type"] == "follow_up")
    assert logged["payload"] == {
        "follow_up_id": follow_up.id,
        "text": "聊了报价，下周带合同上门",
        "stage": "意向客户",
        "remind_at": due.isoformat(),
    }
    [listed] = await followups.list_follow_ups(c4)
    assert (listed["staff_name"], listed["stage"], listed["reminder_status"]) == ("张三", "意向客户", "sent")
    html = await (await company.client.get(f"/console/customers/{c4}")).text()
    assert "跟进记录" in html and "聊了报价" in html and "跟进提醒已发送" in html


async def test_a_failed_send_is_tried_again_on_the_next_run_and_given_up_after_max_attempts(company):
    emulator, now = company.emulator, datetime.now(UTC)
    kept = await followups.log_follow_up("s1", company.ids["c1"], "回访", remind_at=now + HOUR, now=now)
    emulator.fail_next("message/send", 60020, times=1)  # WeCom refuses once (IP not yet allowed)
    assert await send_due(company, now + HOUR) == {"pending": 1}
    reminder = await Reminder.get(follow_up_id=kept.id)
    assert reminder.attempts == 1 and "60020" in reminder.last_error
    assert textcards(emulator, "s1") == []
    assert await send_due(company, now + HOUR) == {}  # not again in the same run
    assert await send_due(company, now + HOUR + TICK) == {"sent": 1}
    assert len(textcards(emulator, "s1")) == 1

    lost = await followups.log_follow_up("kf", company.ids["c3"], "再联系", remind_at=now + HOUR, now=now)
    emulator.fail_next("message/send", 60020, times=None)
    outcomes = [await send_due(company, now + HOUR + i * TICK, max_attempts=3) for i in range(4)]
    assert outcomes == [{"pending": 1}, {"pending": 1}, {"failed": 1}, {}]
    reminder = await Reminder.get(follow_up_id=lost.id)
    assert (reminder.status, reminder.attempts) == ("failed", 3)
    assert not await TimelineEvent.exists(type=timeline.REMINDER_SENT, external_userid=company.ids["c3"])


async def test_a_reminder_claimed_by_a_process_that_died_is_sent_after_its_lease(company):
    now = datetime.now(UTC)
    await followups.log_follow_up("s1", company.ids["c1"], "发资料", remind_at=now + HOUR, now=now)
    [claimed] = await reminders.claim_due_reminders(now + HOUR)  # ... and the process dies
    assert await send_due(company, now + HOUR + timedelta(minutes=1)) == {}
    assert await send_due(company, now + HOUR + reminders.SEND_LEASE + timedelta(seconds=1)) == {"sent": 1}
    assert len(textcards(company.emulator, "s1")) == 1
    assert (await Reminder.get(id=claimed.id)).attempts == 2


async def test_a_backlog_larger_than_a_batch_goes_out_in_one_run(company):
    now = datetime.now(UTC)
    for minute in range(5):  # e.g. the worker was down while these fell due
        due = now + timedelta(minutes=minute + 1)
        await followups.log_follow_up("s1", company.ids["c1"], f"第 {minute} 次回访", remind_at=due, now=now)
    assert await send_due(company, now + HOUR, batch=2) == {"sent": 5}
    cards = textcards(company.emulator, "s1")
    assert [c["description"].count(f"第 {m} 次回访") for c, m in zip(cards, range(5), strict=True)] == [1] * 5


async def test_a_burst_for_one_member_keeps_to_wecoms_pace_and_the_rest_follows_a_minute_later(company):
    # WeCom drops app messages to one member beyond 30 a minute without an error.
    now, burst = datetime.now(UTC), notify.PER_MEMBER_PER_MINUTE + 2
    for i in range(burst):
        await followups.log_follow_up("s1", company.ids["c1"], f"回访 {i}", remind_at=now + HOUR, now=now)
    await followups.log_follow_up("kf", company.ids["c3"], "另一位员工", remind_at=now + HOUR, now=now)
    first = await send_due(company, now + HOUR)
    assert first == {"sent": notify.PER_MEMBER_PER_MINUTE + 1, "deferred": 2}  # kf is not held up
    assert await send_due(company, now + HOUR + TICK) == {"deferred": 2}
    assert await send_due(company, now + HOUR + 2 * TICK + timedelta(seconds=1)) == {"sent": 2}
    assert len(textcards(company.emulator, "s1")) == burst
    assert {r.attempts for r in await Reminder.all()} == {1}


async def test_a_long_follow_up_is_shortened_to_fit_wecoms_textcard(company):
    now = datetime.now(UTC)
    text = "客户关心交付周期和售后，" * 41  # 492 characters, three bytes each
    await followups.log_follow_up("s1", company.ids["c1"], text, remind_at=now + HOUR, now=now)
    assert await send_due(company, now + HOUR) == {"sent": 1}
    [card] = textcards(company.emulator, "s1")
    assert len(card["description"].encode()) <= notify.DESCRIPTION_BYTES
    assert "客户关心交付周期和售后" in card["description"] and "…" in card["description"]


async def test_the_scheduler_job_sends_what_is_due_by_the_wall_clock(company):
    now = datetime.now(UTC)
    await followups.log_follow_up(
        "kf", company.ids["c3"], "补发发票", remind_at=now - timedelta(minutes=1), now=now - HOUR
    )
    job = next(j for j in JOBS if j.name == "reminders")
    settings = company.client.app[SETTINGS].replace(notify={"reminder_interval": 7})
    assert job.trigger(settings).interval == timedelta(seconds=7)
    await job.run(JobContext(settings, company.client.app[WECOM]))
    [card] = textcards(company.emulator, "kf")
    assert "钱多多" in card["description"] and "补发发票" in card["description"]


async def test_a_follow_up_that_makes_no_sense_is_refused_and_writes_nothing(company):
    now = datetime.now(UTC)
    refusals = [
        ({"text": "  "}, "text", "跟进内容不能为空"),
        ({"text": "长" * 501}, "text", "不能超过 500 字（现在 501 字）"),
        ({"remind_at": now - timedelta(seconds=1)}, "remind_at", "提醒时间必须晚于现在"),
        ({"remind_at": (now + HOUR).replace(tzinfo=None)}, "remind_at", "提醒时间缺少时区"),
        ({"stage_id": 9999}, "stage_id", "客户阶段不存在"),
        ({"userid": "s2"}, "external_userid", "不是这位客户的跟进人"),
    ]
    before = await TimelineEvent.all().count()
    for kwargs, field, message in refusals:
        args = {"userid": "s1", "text": "回访", "remind_at": now + HOUR, **kwargs}
        with pytest.raises(InvalidInput) as refused:
            await followups.log_follow_up(external_userid=company.ids["c1"], now=now, **args)
        assert refused.value.field == field and message in str(refused.value), kwargs
    assert not await FollowUp.exists() and not await Reminder.exists() and not await CustomerStage.exists()
    assert await TimelineEvent.all().count() == before


async def test_the_console_timeline_names_who_followed_up(company):
    await followups.log_follow_up("kf", company.ids["c4"], "已寄样品", now=datetime.now(UTC))
    await login(company.client, company.emulator, "ops")
    html = await (await company.client.get(f"/console/customers/{company.ids['c4']}")).text()
    assert "跟进记录" in html and "客服钱" in html and "已寄样品" in html


@pytest.mark.parametrize(
    ("key", "problem"),
    [("reminder_interval", "must be at least 1 (seconds)"), ("max_attempts", "must be at least 1")],
)
def test_reminder_settings_out_of_range_stop_the_start_with_their_name(key, problem):
    variable = f"SCRM_NOTIFY__{key.upper()}"
    with pytest.raises(SettingsError, match=re.escape(f"notify.{key} ({variable}): {problem}")):
        load(env={variable: "0"})
    assert load(env={}).notify.reminder_interval == 30
