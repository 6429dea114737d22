"""Behind a trusted reverse proxy (server.trusted_proxies) each visitor is their own address: the address
X-Forwarded-For names is recorded with the visit and has a beacon limit of its own."""

import pytest

from bot.radar.models import RadarVisit
from sidebar_web.radar.views import LIMITER
from tests.radar.pages import Visitor, make_radar, staff_link, visit_key


@pytest.fixture
def company_settings():
    return {"server": {"trusted_proxies": ("127.0.0.1",)}}  # the tests' client plays the proxy


async def test_two_visitors_behind_the_proxy_have_their_own_address_and_limit(company):
    app = company.client.app
    radar = await make_radar(app)
    keys = {}
    # what the proxy sends on: whatever the client claimed, then the address the proxy saw
    forwarded = {"c1": "10.9.9.9, 203.0.113.1", "c2": "198.51.100.2"}
    for c, header in forwarded.items():
        visitor = Visitor(company.client, {"X-Forwarded-For": header}, external_userid=company.ids[c])
        _, page = await visitor.open(staff_link(app, radar))
        await visitor.close()
        keys[c] = visit_key(page)
    ips = {v.external_userid: v.ip for v in await RadarVisit.filter(radar_id=radar.id)}
    assert ips == {company.ids["c1"]: "203.0.113.1", company.ids["c2"]: "198.51.100.2"}
    app[LIMITER].per_minute = 3

    async def beacon(c: str, value: int) -> int:
        response = await company.client.post(
            "/r/beacon",
            data={"k": keys[c], "e": "progress", "v": str(value)},
            headers={"X-Forwarded-For": forwarded[c]},
        )
        return response.status

    assert [await beacon("c1", p) for p in (10, 20, 30, 40)] == [204, 204, 204, 429]
    assert [await beacon("c2", p) for p in (10, 20)] == [204, 204]  # not the proxy's one shared bucket
    progress = {v.external_userid: v.progress for v in await RadarVisit.filter(radar_id=radar.id)}
    assert progress == {company.ids["c1"]: 30, company.ids["c2"]: 20}
