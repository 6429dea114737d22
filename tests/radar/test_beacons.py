"""Beacons from radar pages: viewing time clamped to the wall clock, progress that only grows, shares;
forged or unknown visits ignored, floods refused with 429."""

from datetime import UTC, datetime, timedelta

import pytest

from bot.contacts import timeline
from bot.contacts.models import TimelineEvent
from bot.radar.models import Radar, RadarVisit
from bot.radar.visits import visit_key as seal_visit
from sidebar_web.radar.views import LIMITER, SIGNER
from tests.radar.pages import Visitor, make_radar, staff_link, visit_key


@pytest.fixture
async def opened(company):
    """c1 has the PDF radar open: (the page's visit key, the visit)."""
    app = company.client.app
    radar = await make_radar(app)
    c1 = Visitor(company.client, external_userid=company.ids["c1"])
    _, page = await c1.open(staff_link(app, radar))
    await c1.close()
    return visit_key(page), await RadarVisit.get(radar_id=radar.id)


async def beacon(company, key: str, event: str, value=0) -> int:
    response = await company.client.post("/r/beacon", data={"k": key, "e": event, "v": str(value)})
    return response.status


async def rewind(visit: RadarVisit, opened_ago: float, last_beacon_ago: float | None) -> None:
    """As if the page had been open a while: the visit's clock moved back (the server's clock is real)."""
    now = datetime.now(UTC)
    last = now - timedelta(seconds=last_beacon_ago) if last_beacon_ago is not None else None
    await RadarVisit.filter(id=visit.id).update(
        opened_at=now - timedelta(seconds=opened_ago), last_beacon_at=last
    )


async def test_viewing_time_grows_by_the_time_since_the_last_beacon_and_one_heartbeat_at_most(
    company, opened
):
    key, visit = opened
    await rewind(visit, opened_ago=60, last_beacon_ago=3)
    assert await beacon(company, key, "heartbeat") == 204
    assert (await RadarVisit.get(id=visit.id)).duration == 3
    await beacon(company, key, "heartbeat")  # at once again: no time has passed
    assert (await RadarVisit.get(id=visit.id)).duration == 3
    await rewind(visit, opened_ago=60, last_beacon_ago=600)  # a page left in the background for 10 min
    await beacon(company, key, "hidden")
    assert (await RadarVisit.get(id=visit.id)).duration == 3 + 5  # one heartbeat_seconds, not 600
    # open starts a visible stretch and adds nothing; close ends one and says when the page went away
    await rewind(visit, opened_ago=60, last_beacon_ago=30)
    await beacon(company, key, "open")
    await beacon(company, key, "close")
    after = await RadarVisit.get(id=visit.id)
    assert after.duration == 8 and after.closed_at is not None


async def test_viewing_time_never_passes_the_wall_time_since_opening_nor_goes_back(company, opened):
    key, visit = opened
    for _ in range(10):  # a client firing heartbeats as fast as it can
        await beacon(company, key, "heartbeat")
    after = await RadarVisit.get(id=visit.id)
    assert after.duration <= (datetime.now(UTC) - after.opened_at).total_seconds()
    await RadarVisit.filter(id=visit.id).update(
        duration=7,
        last_beacon_at=datetime.now(UTC) + timedelta(seconds=30),  # a clock gone backwards
    )
    await beacon(company, key, "heartbeat")
    assert (await RadarVisit.get(id=visit.id)).duration == 7


async def test_progress_stays_within_0_to_100_and_never_goes_back(company, opened):
    key, visit = opened
    seen = []
    for value in (40, 30, 60, -5, 140, 20):
        assert await beacon(company, key, "progress", value) == 204
        seen.append((await RadarVisit.get(id=visit.id)).progress)
    assert seen == [40, 40, 60, 60, 100, 100]
    read = await TimelineEvent.filter(external_userid=visit.external_userid, type=timeline.RADAR_READ)
    assert [e.payload["progress"] for e in read] == [100]  # crossing 80 % once
    assert await beacon(company, key, "progress", "八十") == 400
    assert await beacon(company, key, "scroll", 50) == 400


async def test_a_share_beacon_counts_a_share(company, opened):
    key, visit = opened
    await beacon(company, key, "share")
    await beacon(company, key, "share")
    assert (await RadarVisit.get(id=visit.id)).shares == 2
    shared = await TimelineEvent.filter(external_userid=visit.external_userid, type=timeline.RADAR_SHARED)
    assert len(shared) == 1  # the first share of the visit


async def test_beacons_for_forged_or_unknown_visits_are_ignored(company, opened):
    key, visit = opened
    app = company.client.app
    value, mac = key.rsplit(".", 1)
    forged_other_visit = f"{visit.id + 1}-{visit.visitor_id}.{mac}"
    unknown = seal_visit(app[SIGNER], RadarVisit(id=visit.id + 1000, visitor_id=visit.visitor_id))
    for bad in (forged_other_visit, key[:-2] + "zz", "", unknown):
        assert await beacon(company, bad, "progress", 90) == 204
    assert (await RadarVisit.get(id=visit.id)).progress == 0
    assert await RadarVisit.all().count() == 1


async def test_a_flood_of_beacons_from_one_visitor_is_refused_with_429(company, opened):
    key, visit = opened
    company.client.app[LIMITER].per_minute = 3
    assert [await beacon(company, key, "progress", p) for p in (10, 20, 30, 40)] == [204, 204, 204, 429]
    assert (await RadarVisit.get(id=visit.id)).progress == 30


async def test_forged_beacons_never_use_up_a_real_visitors_limit(company, opened):
    """Someone on the visitor's network (an office, a carrier's NAT) posting made-up keys: ignored, and
    counted nowhere, so the real visitor's beacons still land."""
    key, visit = opened
    company.client.app[LIMITER].per_minute = 3
    assert {await beacon(company, f"{n}-{n}.forged", "progress", 100) for n in range(20)} == {204}
    assert await beacon(company, key, "progress", 40) == 204
    assert (await RadarVisit.get(id=visit.id)).progress == 40


async def test_an_x_forwarded_for_from_a_peer_that_is_no_trusted_proxy_is_ignored(company):
    """Without server.trusted_proxies the header is the visitor's own text: writing another address in it
    neither passes for someone else nor escapes the limit of the address the request came from."""
    app = company.client.app
    radar = await make_radar(app)
    keys = {}
    for c, address in (("c1", "203.0.113.1"), ("c2", "198.51.100.2")):
        visitor = Visitor(company.client, {"X-Forwarded-For": address}, external_userid=company.ids[c])
        _, page = await visitor.open(staff_link(app, radar))
        await visitor.close()
        keys[address] = visit_key(page)
    assert {v.ip for v in await RadarVisit.filter(radar_id=radar.id)} == {"127.0.0.1"}
    app[LIMITER].per_minute = 3

    async def beacon_from(address: str, value: int) -> int:
        response = await company.client.post(
            "/r/beacon",
            data={"k": keys[address], "e": "progress", "v": str(value)},
            headers={"X-Forwarded-For": address},
        )
        return response.status

    assert [await beacon_from("203.0.113.1", p) for p in (10, 20, 30)] == [204, 204, 204]
    assert await beacon_from("198.51.100.2", 10) == 429  # one peer, one address: its limit is spent


async def test_a_link_radar_keeps_no_viewing_time_or_progress(company):
    app = company.client.app
    radar = await make_radar(app, Radar.LINK, link_url="https://example.com/")
    c1 = Visitor(company.client, external_userid=company.ids["c1"])
    await c1.open(staff_link(app, radar))
    await c1.close()
    visit = await RadarVisit.get(radar_id=radar.id)
    key = seal_visit(app[SIGNER], visit)
    await rewind(visit, opened_ago=60, last_beacon_ago=3)
    await beacon(company, key, "heartbeat")
    await beacon(company, key, "progress", 80)
    after = await RadarVisit.get(id=visit.id)
    assert (after.duration, after.progress) == (0, 0)
