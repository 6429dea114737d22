"""Queued radar alerts reach WeCom: the auto-tags are marked on the customer (and mirrored), and a burst of
visits for one staff member becomes one app message naming every customer, with viewing time and progress
as they are when it goes out. Failures are retried and remembered, and nothing queued is lost."""

import asyncio
from datetime import UTC, datetime, timedelta

from bot import notify
from bot.appkeys import SETTINGS, WECOM
from bot.contacts import timeline
from bot.contacts.models import FollowRelation, TimelineEvent
from bot.jobs import JobContext
from bot.radar import alerts as radar_alerts
from bot.radar import effects as radar_effects
from bot.radar.models import Radar, RadarAlert
from bot.scheduler import JOBS
from bot.values import spoken_duration
from tests.radar.rows import a_radar, a_visit

TICK = timedelta(seconds=5)  # radar.alert_interval


def cards(emulator, userid: str) -> list[dict]:
    """The textcards WeCom delivered to a staff member."""
    return [
        m["payload"]["textcard"]
        for m in emulator.state.messages
        if m["msgtype"] == "textcard" and userid in m["recipients"]
    ]


async def flush(company, now: datetime, **notify_settings):
    settings = company.client.app[SETTINGS]
    if notify_settings:
        settings = settings.replace(notify=notify_settings)
    return await radar_alerts.flush(company.client.app[WECOM], settings, now)


async def visit(radar, customer: str, userid: str, at: datetime, **kw):
    v = await a_visit(radar, customer, userid, at, **kw)
    await radar_effects.opened(v, radar, at)
    return v


async def test_a_burst_for_one_member_is_one_message_naming_every_customer(company):
    now, ids = datetime.now(UTC), company.ids
    manual = await a_radar("春季新品手册")
    first = await visit(manual, ids["c1"], "s1", now)
    await visit(manual, ids["c4"], "s1", now + timedelta(seconds=1))
    # 钱多多 is kf's customer who opened a link passed on from s1's: s1 hears of it, by the name on WeChat.
    third = await visit(manual, ids["c3"], "s1", now + timedelta(seconds=2), level=2)
    # The numbers are read when the message goes out, not when the visit began.
    first.duration, first.progress = 130, 80
    await first.save()
    assert await flush(company, now + TICK) == {"sent": 3}
    [card] = cards(company.emulator, "s1")
    assert card["title"] == "3 位客户查看了雷达"
    lines = card["description"]
    assert "客户 王小明 打开了《春季新品手册》，阅读 2 分 10 秒，进度 80 %" in lines
    assert "客户 老客户（孙悟空） 打开了《春季新品手册》</div>" in lines  # nothing reported yet
    assert "客户 钱多多 打开了《春季新品手册》</div>" in lines
    # 详情 opens the newest visit (钱多多's) in the sidebar.
    assert card["url"] == f"{company.client.app[SETTINGS].public_url}/sidebar/radar/visits/{third.id}"
    assert cards(company.emulator, "kf") == []
    assert {a.status for a in await RadarAlert.all()} == {RadarAlert.SENT}
    assert await flush(company, now + 2 * TICK) == {}  # sent once


async def test_one_customer_gets_a_card_of_their_own_and_a_link_radar_has_no_reading_figures(company):
    now, c1 = datetime.now(UTC), company.ids["c1"]
    site = await a_radar("官网活动页", type=Radar.LINK)
    opened = await visit(site, c1, "s1", now)
    await flush(company, now + TICK)
    [card] = cards(company.emulator, "s1")
    assert card["title"] == "客户 王小明 查看了雷达"
    assert "客户 王小明 打开了《官网活动页》</div>" in card["description"]
    assert "阅读" not in card["description"] and card["btntxt"] == "详情"
    assert card["url"].endswith(f"/sidebar/radar/visits/{opened.id}")


async def burst_of_eight(company, now: datetime) -> None:
    """Four customers open two radars with long titles: more lines than one card holds."""
    radars = [await a_radar(f"第 {n} 期客户案例：制造业数字化转型实践") for n in (1, 2)]
    for i, key in enumerate(("c1", "c2", "c3", "c4")):
        for radar in radars:
            await visit(radar, company.ids[key], "s1", now + timedelta(seconds=i))


async def test_visits_a_card_has_no_room_for_go_out_in_the_next_runs_message(company):
    now = datetime.now(UTC)
    await burst_of_eight(company, now)
    outcomes = [await flush(company, now + n * TICK) for n in (1, 2, 3)]
    assert [o["sent"] for o in outcomes[:2]] == [4, 4] and outcomes[2] == {}
    assert [o["deferred"] for o in outcomes[:2]] == [4, 0]
    sent = cards(company.emulator, "s1")
    assert len(sent) == 2 and all(len(c["description"].encode()) <= notify.DESCRIPTION_BYTES for c in sent)
    text = "".join(c["description"] for c in sent)
    for name in ("王小明", "赵丽", "钱多多", "老客户（孙悟空）"):
        for n in (1, 2):
            assert text.count(f"客户 {name} 打开了《第 {n} 期") == 1, (name, n)
    assert "另有" not in text
    assert {a.attempts for a in await RadarAlert.all()} == {1}  # waiting is not a failed try


async def test_the_last_message_a_minute_allows_counts_what_it_cannot_name(company):
    now, cap = datetime.now(UTC), radar_alerts.PER_MEMBER_PER_MINUTE
    radar = await a_radar()
    for i in range(cap - 1):  # s1 already had cap - 1 radar messages this minute
        v = await a_visit(radar, company.ids["c1"], "s1", now - timedelta(seconds=50))
        await RadarAlert.create(
            userid="s1", external_userid=company.ids["c1"], radar=radar, visit=v, status=RadarAlert.SENT,
            created_at=now - timedelta(seconds=50), sent_at=now - timedelta(seconds=50 - i),
        )  # fmt: skip
    await burst_of_eight(company, now)
    assert await flush(company, now + TICK) == {"sent": 8}
    [card] = cards(company.emulator, "s1")
    shown = card["description"].count('<div class="normal">')
    assert shown == 3 and "另有 5 条雷达动态未列出" in card["description"]
    assert card["title"] == "4 位客户查看了雷达"


async def test_the_auto_tag_is_marked_in_wecom_and_mirrored(company):
    now, ids, tag_b = datetime.now(UTC), company.ids, company.tags["B"]
    radar = await a_radar(auto_tag_ids=[tag_b], notify_staff=False)
    await visit(radar, ids["c1"], "s1", now)
    # 钱多多 reached s1's radar through a share: the tag goes on the relation they have, kf's.
    await visit(radar, ids["c3"], "s1", now, level=2)
    assert await flush(company, now + TICK) == {"sent": 2}
    follows = company.emulator.state.follows
    assert (
        tag_b in follows[("s1", ids["c1"])].tag_ids
        and company.tags["A"] in follows[("s1", ids["c1"])].tag_ids
    )
    assert tag_b in follows[("kf", ids["c3"])].tag_ids
    mirrored = await FollowRelation.get(customer_id=ids["c1"], userid="s1")
    assert set(mirrored.tag_ids) == {company.tags["A"], tag_b}
    assert await TimelineEvent.exists(external_userid=ids["c1"], type=timeline.TAGS_ADDED, userid="s1")
    assert company.emulator.state.messages == []  # notify_staff off
    assert [a.tag_ids for a in await RadarAlert.all()] == [[], []]


async def test_a_failed_send_is_retried_after_a_backoff_and_keeps_its_error(company):
    now, emulator, c1 = datetime.now(UTC), company.emulator, company.ids["c1"]
    radar = await a_radar()
    await visit(radar, c1, "s1", now)
    emulator.fail_next("message/send", 60020, times=1)  # WeCom refuses once (IP not yet allowed)
    assert await flush(company, now + TICK) == {"pending": 1}
    alert = await RadarAlert.get()
    assert (alert.status, alert.attempts) == (RadarAlert.PENDING, 1) and "60020" in alert.last_error
    assert await flush(company, now + 2 * TICK) == {}  # still backing off
    assert await flush(company, now + TICK + radar_alerts.RETRY_BASE + TICK) == {"sent": 1}
    assert len(cards(emulator, "s1")) == 1
    alert = await RadarAlert.get()
    assert (alert.status, alert.attempts) == (RadarAlert.SENT, 2) and "60020" in alert.last_error


async def test_an_alert_that_keeps_failing_is_given_up_after_max_attempts(company):
    now, emulator = datetime.now(UTC), company.emulator
    await visit(await a_radar(), company.ids["c1"], "s1", now)
    emulator.fail_next("message/send", 60020, times=None)
    outcomes, at = [], now
    for _ in range(4):
        at += radar_alerts.RETRY_MAX
        outcomes.append(await flush(company, at, max_attempts=3))
    assert outcomes == [{"pending": 1}, {"pending": 1}, {"failed": 1}, {}]
    alert = await RadarAlert.get()
    assert (alert.status, alert.attempts) == (RadarAlert.FAILED, 3) and "60020" in alert.last_error


async def test_a_refused_tag_does_not_hold_up_the_message_and_is_marked_on_a_later_run(company):
    now, emulator, c1, tag_b = datetime.now(UTC), company.emulator, company.ids["c1"], company.tags["B"]
    await visit(await a_radar(auto_tag_ids=[tag_b]), c1, "s1", now)
    emulator.fail_next("externalcontact/mark_tag", 60020, times=1)  # WeCom refuses once
    assert await flush(company, now + TICK) == {"pending": 1}
    assert len(cards(emulator, "s1")) == 1
    alert = await RadarAlert.get()
    assert alert.tag_ids == [tag_b] and alert.sent_at is not None and "60020" in alert.last_error
    assert await flush(company, now + TICK + radar_alerts.RETRY_BASE + TICK) == {"sent": 1}
    assert tag_b in emulator.state.follows[("s1", c1)].tag_ids
    assert len(cards(emulator, "s1")) == 1  # the message was not sent twice


async def test_an_alert_claimed_by_a_process_that_died_is_sent_after_its_lease(company):
    now = datetime.now(UTC)
    await visit(await a_radar(), company.ids["c1"], "s1", now)
    [claimed] = await radar_alerts.claim(now + TICK)  # ... and the process dies
    assert await flush(company, now + 2 * TICK) == {}
    assert await flush(company, now + TICK + radar_alerts.LEASE + TICK) == {"sent": 1}
    assert len(cards(company.emulator, "s1")) == 1
    assert (await RadarAlert.get(id=claimed.id)).attempts == 2


async def test_two_processes_flushing_at_once_send_one_message(company):
    now, ids = datetime.now(UTC), company.ids
    radar = await a_radar()
    for key in ("c1", "c4"):
        await visit(radar, ids[key], "s1", now)
    outcomes = await asyncio.gather(*(flush(company, now + TICK) for _ in range(2)))
    assert sum((o["sent"] for o in outcomes), 0) == 2
    assert len(cards(company.emulator, "s1")) == 1


async def test_a_member_gets_at_most_the_paced_number_of_messages_a_minute_and_the_rest_waits(company):
    now, ids = datetime.now(UTC), company.ids
    radar = await a_radar()
    cap = radar_alerts.PER_MEMBER_PER_MINUTE
    outcomes = []
    for i in range(cap + 1):  # a new visit every run (a window of 0: every visit alerts)
        at = now + i * TICK
        v = await a_visit(radar, ids["c1"], "s1", at)
        await radar_effects.opened(v, radar, at, window=timedelta(0))
        outcomes.append(await flush(company, at + timedelta(seconds=1)))
    assert outcomes == [{"sent": 1}] * cap + [{"deferred": 1}]
    await visit(radar, ids["c3"], "kf", now + cap * TICK)  # another member is not held up
    assert await flush(company, now + cap * TICK + timedelta(seconds=2)) == {"sent": 1, "deferred": 1}
    assert await flush(company, now + timedelta(minutes=1, seconds=2)) == {"sent": 1}
    assert len(cards(company.emulator, "s1")) == cap + 1


async def test_the_scheduler_job_flushes_what_was_queued_before_a_restart(company):
    now = datetime.now(UTC)
    await visit(await a_radar("产品白皮书"), company.ids["c1"], "s1", now - timedelta(minutes=3))
    job = next(j for j in JOBS if j.name == "radar_alerts")
    settings = company.client.app[SETTINGS].replace(radar={"alert_interval": 3})
    assert job.trigger(settings).interval == timedelta(seconds=3)
    await job.run(JobContext(settings, company.client.app[WECOM]))
    [card] = cards(company.emulator, "s1")
    assert "《产品白皮书》" in card["description"]


def test_viewing_time_reads_as_staff_say_it():
    said = {s: spoken_duration(s) for s in (0, 45, 60, 130, 3600, 3900)}
    assert said == {
        0: "0 秒",
        45: "45 秒",
        60: "1 分",
        130: "2 分 10 秒",
        3600: "1 小时",
        3900: "1 小时 5 分",
    }
