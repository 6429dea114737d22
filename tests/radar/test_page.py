"""The customer's radar page: who the visitor is (OAuth, unionid, the link's recipient), what a visit
records (level, source path, channel, sender), and the pages for bad links, deleted and friends-only
radars."""

import time
from datetime import UTC, datetime

import pytest

from bot.contacts import timeline
from bot.contacts.models import Member, TimelineEvent
from bot.radar.models import Radar, RadarAlert, RadarVisit, RadarVisitor
from bot.wecom.emulator.wechat import exchange_code
from sidebar_web.app import create_app
from sidebar_web.commands import free_port
from tests.radar.pages import Visitor, make_radar, share_token, staff_link
from tests.readapi_corp import TOKEN, Corp, populate


@pytest.fixture
async def visitors(company):
    made = []

    def visitor(**identity) -> Visitor:
        made.append(Visitor(company.client, **identity))
        return made[-1]

    yield visitor
    for v in made:
        await v.close()


async def test_a_customer_opens_a_link_staff_sent_and_is_a_level_1_visitor(company, visitors):
    app = company.client.app
    radar = await make_radar(app)
    c1 = visitors(external_userid=company.ids["c1"])
    status, page = await c1.open(staff_link(app, radar, "s1"))
    assert status == 200 and "星河产品手册" in page and "三分钟了解我们的产品" in page
    visit = await RadarVisit.get(radar_id=radar.id)
    assert (visit.external_userid, visit.userid, visit.level, visit.channel) == (
        company.ids["c1"],
        "s1",
        1,
        "staff",
    )
    assert visit.path == [visit.id] and visit.parent_id is None
    # A reload is known by its cookie: no second trip through OAuth, a second visit (访问次数).
    assert (await c1.open(staff_link(app, radar, "s1")))[0] == 200
    assert c1.oauth_runs == 1
    assert await RadarVisit.filter(radar_id=radar.id).count() == 2
    assert await RadarVisitor.filter(external_userid=company.ids["c1"]).count() == 1
    # The first visit is in the customer's timeline and alerts s1 (once: the reload is within the window).
    opened = await TimelineEvent.filter(external_userid=company.ids["c1"], type=timeline.RADAR_OPENED)
    assert [(e.userid, e.payload["title"]) for e in opened] == [("s1", "星河产品手册")]
    assert await RadarAlert.filter(userid="s1", external_userid=company.ids["c1"]).count() == 1


async def test_shared_links_make_levels_1_2_3_with_the_source_path(company, visitors):
    app = company.client.app
    radar = await make_radar(app)
    _, page1 = await visitors(external_userid=company.ids["c1"]).open(staff_link(app, radar, "s1"))
    c4 = visitors(external_userid=company.ids["c4"])
    _, page2 = await c4.open(share_token(page1))
    _, page3 = await visitors(external_userid=company.ids["c3"]).open(share_token(page2))
    v1, v2, v3 = await RadarVisit.filter(radar_id=radar.id).order_by("id")
    assert [(v.level, v.channel, v.userid) for v in (v1, v2, v3)] == [
        (1, "staff", "s1"), (2, "share", "s1"), (3, "share", "s1")
    ]  # fmt: skip
    assert (v2.parent_id, v3.parent_id) == (v1.id, v2.id)
    assert v3.path == [v1.id, v2.id, v3.id]
    assert v3.external_userid == company.ids["c3"]
    # Reopening one's own shared link (WeChat keeps it in the address bar) is not a share to oneself.
    await c4.open(share_token(page2))
    again = await RadarVisit.filter(radar_id=radar.id).order_by("-id").first()
    assert (again.level, again.parent_id, again.path) == (2, v1.id, [v1.id, again.id])


async def test_the_links_recipient_names_a_visitor_oauth_does_not(company, visitors):
    app = company.client.app
    radar = await make_radar(app)
    stranger = visitors(stranger="1")  # WeCom's OAuth gives a non-customer an openid only
    await stranger.open(staff_link(app, radar, "s2", recipient=company.ids["c2"]))
    visitor = await RadarVisitor.get(external_userid=company.ids["c2"])
    assert visitor.openid.startswith("o")
    # Once mapped, the same person stays mapped even through a link sent to someone else (a new browser:
    # OAuth again, the same stable openid).
    again = visitors(stranger="1")
    await again.open(staff_link(app, radar, "s1", recipient=company.ids["c1"]))
    assert await RadarVisitor.filter(openid=visitor.openid).values_list("external_userid", flat=True) == [
        company.ids["c2"]
    ]
    # Another stranger opening a shared link (no recipient) stays unknown: not counted as a customer.
    _, page = await visitors(external_userid=company.ids["c1"]).open(staff_link(app, radar))
    await visitors(stranger="2").open(share_token(page))
    last = await RadarVisit.filter(radar_id=radar.id).order_by("-id").first()
    assert last.external_userid == "" and last.level == 2
    assert not await RadarAlert.filter(visit_id=last.id).exists()  # a stranger sets off nothing


async def test_a_tampered_or_expired_link_gets_a_400_page_and_records_nothing(company, visitors):
    app = company.client.app
    radar = await make_radar(app)
    good = staff_link(app, radar)
    body, mac = good.split(".")
    old = staff_link(app, radar, issued_at=int(time.time()) - 400 * 86400)
    c1 = visitors(external_userid=company.ids["c1"])
    for token in (body[:-2] + "xy." + mac, good[:-3] + "abc", "nonsense", old):
        status, page = await c1.open(token)
        assert status == 400 and "链接无效或已过期" in page
    assert c1.oauth_runs == 0
    assert not await RadarVisit.exists() and not await RadarVisitor.exists()


async def test_a_deleted_radar_asks_the_visitor_to_contact_their_advisor(company, visitors):
    app = company.client.app
    radar = await make_radar(app, deleted_at=datetime.now(UTC))
    status, page = await visitors(external_userid=company.ids["c1"]).open(staff_link(app, radar))
    assert status == 410 and "请联系您的顾问/客服" in page
    assert not await RadarVisit.exists()


async def test_friends_only_radars_show_non_friends_the_advisors_qr_code(company, visitors):
    app = company.client.app
    radar = await make_radar(app, friends_only=True)
    for who in ({"stranger": "1"}, {"external_userid": company.ids["c5"]}):  # c5 deleted their advisor
        status, page = await visitors(**who).open(staff_link(app, radar, "s1"))
        assert status == 200 and "添加顾问后即可查看" in page and "张三" in page
        way = next(w for w in company.emulator.state.contact_ways.values() if w.user == ["s1"])
        assert way.qr_code and way.qr_code in page and way.state == "radar"
    # The QR code is made once and kept with the member, not once per visitor or per restart.
    assert [w.user for w in company.emulator.state.contact_ways.values()].count(["s1"]) == 1
    assert (await Member.get(userid="s1")).radar_qr_code == way.qr_code
    assert not await RadarVisit.exists() and not await RadarAlert.exists()
    status, page = await visitors(external_userid=company.ids["c1"]).open(staff_link(app, radar, "s1"))
    assert status == 200 and "星河产品手册" in page and await RadarVisit.exists()


async def test_a_link_radar_records_the_click_then_sends_the_visitor_on(company, visitors):
    app = company.client.app
    radar = await make_radar(app, Radar.LINK, link_url="https://example.com/landing?a=1&b=2")
    status, page = await visitors(external_userid=company.ids["c1"]).open(staff_link(app, radar))
    assert status == 200 and 'content="1;url=https://example.com/landing?a=1&amp;b=2"' in page
    assert "data-key" not in page  # no beacons: a link has no viewing time or progress
    assert await RadarVisit.filter(radar_id=radar.id, external_userid=company.ids["c1"]).exists()


@pytest.fixture
async def wechat_company(aiohttp_client, make_settings, emulator, emulator_server, emulator_clock):
    """The company, with radar visitors named by the emulator playing WeChat's official account."""
    base = str(emulator_server.make_url("")).rstrip("/")
    port = free_port()
    corp = emulator.corp
    settings = make_settings(
        api_base_url=base,
        server={"public_url": f"http://127.0.0.1:{port}"},
        wecom={"oauth_url": base + "/_emulator/oauth/authorize"},
        access={"admins": ("ops",), "api_tokens": (TOKEN,)},
        radar={
            "wechat_app_id": corp.wechat_app_id,
            "wechat_app_secret": corp.wechat_app_secret,
            "wechat_oauth_url": base + "/_emulator/oauth/authorize",
            "wechat_api_base_url": base + "/",
        },
    )
    client = await aiohttp_client(create_app(settings), server_kwargs={"port": port})
    await emulator.callbacks.configure(str(client.make_url("/wecom/callback")))
    company = Corp(client, emulator, emulator_url=base)
    await populate(company, emulator_clock)
    yield company
    await emulator.callbacks.close()


async def test_wechat_oauth_maps_a_visitor_to_the_customer_by_unionid(wechat_company):
    company, app = wechat_company, wechat_company.client.app
    radar = await make_radar(app)
    c2 = company.ids["c2"]
    first, second = Visitor(company.client, external_userid=c2), Visitor(company.client, external_userid=c2)
    try:
        await first.open(staff_link(app, radar, "s2"))  # no recipient: the unionid alone names them
        await second.open(staff_link(app, radar, "s2"))  # another browser: OAuth again, same openid
    finally:
        await first.close()
        await second.close()
    visitor = await RadarVisitor.get()
    assert visitor.external_userid == c2
    assert visitor.unionid == company.emulator.state.customers[c2].unionid
    assert await RadarVisit.filter(visitor_id=visitor.id, external_userid=c2).count() == 2


async def test_the_emulators_wechat_code_exchange_answers_like_wechat(emulator):
    state, corp = emulator.state, emulator.corp
    ext = state.add_customer("李雷").external_userid
    code = emulator.actions.oauth_login(external_userid=ext, appid=corp.wechat_app_id)["code"]
    query = {
        "appid": corp.wechat_app_id,
        "secret": corp.wechat_app_secret,
        "grant_type": "authorization_code",
    }
    assert exchange_code(state, {**query, "secret": "x" * 32})["errcode"] == 40125
    assert exchange_code(state, {**query, "appid": "wx0000"})["errcode"] == 40013
    ok = exchange_code(state, {**query, "code": code})
    assert ok["unionid"] == state.customers[ext].unionid and ok["openid"].startswith("o")
    assert exchange_code(state, {**query, "code": code})["errcode"] == 40163  # used
    assert exchange_code(state, {**query, "code": "nope"})["errcode"] == 40029
    again = emulator.actions.oauth_login(external_userid=ext, appid=corp.wechat_app_id)["code"]
    assert exchange_code(state, {**query, "code": again})["openid"] == ok["openid"]  # stable per person
    # A WeChat code is no WeCom code, and the other way round.
    wecom_code = emulator.actions.oauth_login(external_userid=ext)["code"]
    assert exchange_code(state, {**query, "code": wecom_code})["errcode"] == 40029
