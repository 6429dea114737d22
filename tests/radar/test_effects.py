"""What a customer's radar visit sets off at once: timeline events for opening, reading 80 % and sharing,
and the auto-tags and staff alert it queues, at most one alert per customer and radar within the window."""

from datetime import UTC, datetime, timedelta

from bot.appkeys import SETTINGS
from bot.contacts import timeline
from bot.contacts.models import TimelineEvent
from bot.radar import effects as radar_effects
from bot.radar.models import RadarAlert
from tests.radar.rows import a_radar, a_visit

T0 = datetime(2025, 3, 3, 2, 0, tzinfo=UTC)
WINDOW = timedelta(minutes=30)  # radar.alert_window_minutes by default


async def events(external_userid: str) -> list[tuple[str, dict]]:
    rows = TimelineEvent.filter(external_userid=external_userid, type__startswith="radar_")
    rows = await rows.order_by("id")
    return [(e.type, e.payload) for e in rows]


async def alerts() -> list[tuple[str, str, bool, list]]:
    rows = await RadarAlert.all().order_by("id")
    return [(a.userid, a.external_userid, a.notify, a.tag_ids) for a in rows]


async def open_(radar, customer: str, userid: str, at: datetime, **kw):
    visit = await a_visit(radar, customer, userid, at, **kw)
    await radar_effects.opened(visit, radar, at)
    return visit


async def test_a_first_visit_records_the_opening_and_queues_the_tags_and_an_alert(company):
    c1, tag_a = company.ids["c1"], company.tags["A"]
    radar = await a_radar("春季新品手册", auto_tag_ids=[tag_a])
    visit = await open_(radar, c1, "s1", T0)
    opened = {"radar_id": radar.id, "title": "春季新品手册", "visit_id": visit.id, "level": 1}
    assert await events(c1) == [(timeline.RADAR_OPENED, opened)]
    event = await TimelineEvent.get(external_userid=c1, type=timeline.RADAR_OPENED)
    assert event.userid == "s1" and event.occurred_at == T0
    assert await alerts() == [("s1", c1, True, [tag_a])]
    alert = await RadarAlert.get()
    assert (alert.visit_id, alert.radar_id, alert.status) == (visit.id, radar.id, RadarAlert.PENDING)


async def test_a_second_visit_within_the_window_queues_nothing_and_records_no_second_opening(company):
    c1 = company.ids["c1"]
    radar = await a_radar(auto_tag_ids=[company.tags["A"]])
    await open_(radar, c1, "s1", T0)
    await open_(radar, c1, "s1", T0 + WINDOW - timedelta(seconds=1))
    assert len(await alerts()) == 1
    assert [t for t, _ in await events(c1)] == [timeline.RADAR_OPENED]


async def test_after_the_window_a_new_visit_alerts_again_without_tagging_again(company):
    c1 = company.ids["c1"]
    radar = await a_radar(auto_tag_ids=[company.tags["A"]])
    await open_(radar, c1, "s1", T0)
    await open_(radar, c1, "s1", T0 + WINDOW + timedelta(seconds=1))
    assert await alerts() == [("s1", c1, True, [company.tags["A"]]), ("s1", c1, True, [])]
    assert [t for t, _ in await events(c1)] == [timeline.RADAR_OPENED]


async def test_the_window_comes_from_the_settings(company):
    c1 = company.ids["c1"]
    radar = await a_radar()
    radar_effects.configure(company_settings(company, alert_window_minutes=5))
    try:
        await open_(radar, c1, "s1", T0)
        await open_(radar, c1, "s1", T0 + timedelta(minutes=4))
        await open_(radar, c1, "s1", T0 + timedelta(minutes=6))
    finally:
        radar_effects.configure(company_settings(company))
    assert len(await alerts()) == 2


async def test_other_customers_radars_and_staff_each_have_their_own_window(company):
    c1, c4 = company.ids["c1"], company.ids["c4"]
    manual, case = await a_radar("产品手册"), await a_radar("客户案例")
    await open_(manual, c1, "s1", T0)
    await open_(case, c1, "s1", T0 + timedelta(minutes=1))
    await open_(manual, c4, "s1", T0 + timedelta(minutes=2))
    await open_(manual, c4, "kf", T0 + timedelta(minutes=3))  # kf sent it too: c4's later visit, kf's alert
    assert [(u, e) for u, e, _, _ in await alerts()] == [("s1", c1), ("s1", c1), ("s1", c4), ("kf", c4)]


async def test_switched_off_follow_up_records_and_queues_nothing(company):
    c1 = company.ids["c1"]
    radar = await a_radar(record_timeline=False, notify_staff=False)
    visit = await open_(radar, c1, "s1", T0)
    await open_(radar, c1, "s1", T0 + 2 * WINDOW)
    visit.progress, visit.shares = 90, 1
    await radar_effects.progressed(visit, radar, 10, T0)
    await radar_effects.shared(visit, radar, T0)
    assert await events(c1) == [] and await alerts() == []


async def test_auto_tags_without_an_alert_are_still_queued_once(company):
    c1 = company.ids["c1"]
    radar = await a_radar(notify_staff=False, auto_tag_ids=[company.tags["B"]])
    await open_(radar, c1, "s1", T0)
    await open_(radar, c1, "s1", T0 + 2 * WINDOW)
    assert await alerts() == [("s1", c1, False, [company.tags["B"]])]


async def test_visitors_who_are_not_customers_set_off_nothing(company):
    radar = await a_radar(auto_tag_ids=[company.tags["A"]])
    visit = await open_(radar, "", "s1", T0)
    visit.progress, visit.shares = 100, 1
    await radar_effects.progressed(visit, radar, 0, T0)
    await radar_effects.shared(visit, radar, T0)
    assert await TimelineEvent.filter(type__startswith="radar_").count() == 0
    assert await alerts() == []


async def test_reading_past_80_percent_is_recorded_once_when_crossed(company):
    c1 = company.ids["c1"]
    radar = await a_radar()
    visit = await open_(radar, c1, "s1", T0)
    for before, after in ((0, 40), (40, 79), (79, 85), (85, 100)):
        visit.progress = after
        await radar_effects.progressed(visit, radar, before, T0 + timedelta(seconds=after))
    read = [p for t, p in await events(c1) if t == timeline.RADAR_READ]
    assert read == [
        {"radar_id": radar.id, "title": "产品手册", "visit_id": visit.id, "level": 1, "progress": 85}
    ]


async def test_the_first_share_of_a_visit_is_recorded_and_later_ones_are_not(company):
    c1 = company.ids["c1"]
    radar = await a_radar()
    visit = await open_(radar, c1, "s1", T0, level=2)
    for n in (1, 2, 3):
        visit.shares = n
        await radar_effects.shared(visit, radar, T0 + timedelta(minutes=n))
    shared = [p for t, p in await events(c1) if t == timeline.RADAR_SHARED]
    assert shared == [
        {"radar_id": radar.id, "title": "产品手册", "visit_id": visit.id, "level": 2, "shares": 1}
    ]


def company_settings(company, **radar):
    settings = company.client.app[SETTINGS]
    return settings.replace(radar=radar) if radar else settings
