"""Radar opens and beacons written in bursts (group commit), radars and pages kept in-process: a burst ends
where the same opens or beacons one by one would, a stopping server commits what it holds, a cookie is
read with its burst, and an edit reaches the very next visitor."""

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from tortoise.transactions import in_transaction
from yarl import URL

from bot.contacts import timeline
from bot.contacts.models import TimelineEvent
from bot.radar import radars
from bot.radar import visitors as radar_visitors
from bot.radar import visits as radar_visits
from bot.radar.beacons import BeaconWriter
from bot.radar.links import RadarLink
from bot.radar.models import RadarAlert, RadarVisit, RadarVisitor
from sidebar_web.radar.views import BEACONS, COOKIE, SIGNER, VISITS
from tests.radar.pages import Visitor, make_radar, staff_link
from tests.radar.pages import visit_key as visit_key_in

BURST = [("heartbeat", 0), ("progress", 50), ("share", 0), ("progress", 85), ("heartbeat", 0),
         ("progress", 30), ("share", 0), ("close", 0)]  # fmt: skip


@pytest.fixture
async def visits(company):
    """Two customers with the PDF radar open for a minute, the last beacon 4 s ago: the two visits."""
    app = company.client.app
    radar = await make_radar(app)
    for name in ("c1", "c2"):
        visitor = Visitor(company.client, external_userid=company.ids[name])
        await visitor.open(staff_link(app, radar))
        await visitor.close()
    now = datetime.now(UTC)
    await RadarVisit.all().update(
        opened_at=now - timedelta(seconds=60), last_beacon_at=now - timedelta(seconds=4)
    )
    return await RadarVisit.all().order_by("id")


def state(visit: RadarVisit) -> tuple:
    return visit.duration, visit.progress, visit.shares, visit.closed_at is not None, visit.last_beacon_at


async def events_of(visit: RadarVisit) -> list[tuple]:
    rows = await TimelineEvent.filter(
        external_userid=visit.external_userid, type__in=(timeline.RADAR_READ, timeline.RADAR_SHARED)
    ).order_by("id")
    return [(e.type, e.payload.get("progress"), e.payload.get("shares")) for e in rows]


async def test_a_burst_of_beacons_for_one_visit_ends_where_the_same_beacons_one_by_one_do(company, visits):
    writer = company.client.app[BEACONS]
    one_by_one, burst = visits
    at = datetime.now(UTC)
    times = [at + timedelta(seconds=i) for i in range(len(BURST))]
    for (event, value), now in zip(BURST, times, strict=True):
        assert await writer.record(one_by_one.id, event, value, now=now)
    # all at once: they are queued together and written in one transaction
    results = await asyncio.gather(
        *(writer.record(burst.id, e, v, now=now) for (e, v), now in zip(BURST, times, strict=True))
    )
    assert results == [True] * len(BURST)
    a, b = await RadarVisit.get(id=one_by_one.id), await RadarVisit.get(id=burst.id)
    # 4 s to the first heartbeat (the last beacon was 4 s ago), 4 s to the second, 3 s to the close
    assert state(a) == state(b) == (4 + 4 + 3, 85, 2, True, times[-1])
    # crossing 80 % and the first share, once each, as one by one
    assert await events_of(a) == await events_of(b) == [
        (timeline.RADAR_SHARED, None, 1), (timeline.RADAR_READ, 85, None)
    ]  # fmt: skip


async def test_a_burst_with_an_unknown_visit_applies_the_others(company, visits):
    writer = company.client.app[BEACONS]
    known = visits[0]
    now = datetime.now(UTC)
    results = await asyncio.gather(
        writer.record(known.id + 1000, "progress", 90, now=now),
        writer.record(known.id, "progress", 40, now=now),
    )
    assert results == [False, True]
    assert (await RadarVisit.get(id=known.id)).progress == 40


async def test_stopping_commits_the_beacons_still_queued(company, visits):
    writer = BeaconWriter(heartbeat_seconds=5)
    await writer.start()
    now = datetime.now(UTC)
    pending = [
        asyncio.ensure_future(writer.record(visit.id, "progress", 60 + i, now=now))
        for i, visit in enumerate(visits)
    ]
    await asyncio.sleep(0)  # queued, not yet written
    await writer.stop()
    assert [task.result() for task in pending] == [True, True]
    assert [v.progress for v in await RadarVisit.all().order_by("id")] == [60, 61]
    with pytest.raises(RuntimeError):
        await writer.record(visits[0].id, "progress", 90, now=now)


async def test_page_opens_arriving_together_are_recorded_as_one_by_one(company):
    """Opens of one burst share a transaction; each keeps its own id, level and path, and only the
    customer's earliest visit counts as the first (one opening in the timeline, one alert)."""
    app = company.client.app
    radar = await make_radar(app)
    now = datetime.now(UTC)
    people = {
        name: await RadarVisitor.create(
            openid=f"o-{name}", external_userid=company.ids[name], first_seen=now, last_seen=now
        )
        for name in ("c1", "c2")
    }
    opens = [people["c1"], people["c2"], people["c1"], people["c1"]]
    opened = await asyncio.gather(
        *(
            radar_visits.open_visit(
                RadarLink(radar.id, "s1", visitor.external_userid), visitor, ip="127.0.0.1",
                user_agent="test", now=now, writer=app[VISITS],
            )
            for visitor in opens
        )
    )  # fmt: skip
    rows = {v.id: (v.visitor_id, v.level, v.path) for v in await RadarVisit.all()}
    assert rows == {o.visit.id: (p.id, 1, [o.visit.id]) for o, p in zip(opened, opens, strict=True)}
    for name in ("c1", "c2"):
        openings = await TimelineEvent.filter(external_userid=company.ids[name], type=timeline.RADAR_OPENED)
        assert [e.payload["visit_id"] for e in openings] == [
            min(o.visit.id for o, p in zip(opened, opens, strict=True) if p is people[name])
        ]
        assert await RadarAlert.filter(external_userid=company.ids[name]).count() == 1  # within the window


async def test_a_cookie_naming_no_visitor_goes_through_oauth_and_records_one_visit(company):
    app = company.client.app
    radar = await make_radar(app)
    c1 = Visitor(company.client, external_userid=company.ids["c1"])
    gone = radar_visitors.cookie_for(app[SIGNER], radar_visitors.Known(9999, "o-gone", ""))
    c1.session.cookie_jar.update_cookies({COOKIE: gone}, URL(str(company.client.make_url("/r/"))))
    status, _ = await c1.open(staff_link(app, radar))
    await c1.close()
    assert status == 200 and c1.oauth_runs == 1
    assert await RadarVisit.filter(radar_id=radar.id).values_list("external_userid", flat=True) == [
        company.ids["c1"]
    ]


async def test_a_cookie_visitor_nobody_named_yet_takes_the_links_recipient(company):
    app = company.client.app
    radar = await make_radar(app)
    stranger = Visitor(company.client, stranger="1")
    await stranger.open(staff_link(app, radar))  # no recipient: stays unknown
    await stranger.open(staff_link(app, radar, "s2", recipient=company.ids["c2"]))  # by cookie
    await stranger.close()
    assert stranger.oauth_runs == 1
    first, second = await RadarVisit.filter(radar_id=radar.id).order_by("id")
    assert (first.external_userid, second.external_userid) == ("", company.ids["c2"])
    assert await RadarVisitor.filter(external_userid=company.ids["c2"]).count() == 1
    assert await RadarAlert.filter(visit_id=second.id, userid="s2").exists()  # a customer's first visit


async def test_an_edit_or_a_deletion_shows_on_the_very_next_open(company):
    """Radars and their rendered pages are kept in-process; a save through the console's service still
    reaches the next visitor at once."""
    app = company.client.app
    radar = await make_radar(app)
    c1 = Visitor(company.client, external_userid=company.ids["c1"])
    link = staff_link(app, radar)
    _, before = await c1.open(link)
    form = radars.RadarForm(
        name="产品手册", group_id=radar.group_id, type="pdf", title="星河产品手册（第二版）", file=radar.file
    )
    await radars.update_radar(radar.id, form)
    status, after = await c1.open(link)
    assert "星河产品手册（第二版）" not in before and status == 200 and "星河产品手册（第二版）" in after
    assert visit_key_in(after) != visit_key_in(before)  # each open its own visit
    await radars.delete_radar(radar.id)
    status, gone = await c1.open(link)
    await c1.close()
    assert status == 410 and "内容已失效" in gone
    assert await RadarVisit.filter(radar_id=radar.id).count() == 2


async def test_bursts_written_at_once_still_record_one_first_visit(company):
    """Several server processes commit their bursts side by side: four bursts opening one radar for one
    customer at once still make one opening and one alert."""
    app = company.client.app
    radar = await make_radar(app)
    now = datetime.now(UTC)
    visitor = await RadarVisitor.create(
        openid="o-c1", external_userid=company.ids["c1"], first_seen=now, last_seen=now
    )
    link = RadarLink(radar.id, "s1", visitor.external_userid)

    async def busy() -> None:
        async with in_transaction() as connection:
            await connection.execute_query("SELECT 1")
            await asyncio.sleep(0.05)

    await asyncio.gather(*(busy() for _ in range(4)))  # a pool of connections ready, as under load
    await asyncio.gather(
        *(radar_visits.open_visit(link, visitor, ip="", user_agent="", now=now) for _ in range(4))
    )  # each its own transaction
    assert await RadarVisit.filter(radar_id=radar.id).count() == 4
    openings = await TimelineEvent.filter(external_userid=company.ids["c1"], type=timeline.RADAR_OPENED)
    first = await RadarVisit.filter(radar_id=radar.id).order_by("id").first()
    assert [e.payload["visit_id"] for e in openings] == [first.id]
    assert await RadarAlert.filter(external_userid=company.ids["c1"]).count() == 1
