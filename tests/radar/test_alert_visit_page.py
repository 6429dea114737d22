"""A radar alert says what is known when it goes out (an open is an open; viewing time and progress once
the page reported them), and its 详情 opens the visit for the member it went to, even when the visitor is a
colleague's customer, and for nobody else."""

from datetime import UTC, datetime, timedelta

from yarl import URL

from bot.appkeys import SETTINGS, WECOM
from bot.contacts.models import FollowRelation
from bot.radar import alerts as radar_alerts
from bot.radar.models import RadarVisit
from tests.radar.pages import Visitor, make_radar, share_token, staff_link, visit_key
from tests.readapi_corp import login

TICK = timedelta(seconds=5)


async def open_page(company, token: str, customer: str) -> str:
    visitor = Visitor(company.client, external_userid=company.ids[customer])
    status, page = await visitor.open(token)
    await visitor.close()
    assert status == 200
    return page


async def alert_card(company) -> dict:
    """Run the scheduler's flush now and return the one textcard s1 received."""
    app = company.client.app
    assert (await radar_alerts.flush(app[WECOM], app[SETTINGS], datetime.now(UTC) + TICK))["sent"] >= 1
    [card] = [m["payload"]["textcard"] for m in company.emulator.state.messages if m["msgtype"] == "textcard"]
    return card


async def test_an_alert_sent_as_the_page_opens_says_it_opened_and_nothing_more(company):
    app = company.client.app
    await open_page(company, staff_link(app, await make_radar(app)), "c1")
    card = await alert_card(company)
    assert "客户 王小明 打开了《星河产品手册》</div>" in card["description"]
    assert "秒" not in card["description"] and "%" not in card["description"]


async def test_an_alert_sent_after_the_pages_beacons_gives_their_time_and_progress(company):
    app = company.client.app
    key = visit_key(await open_page(company, staff_link(app, await make_radar(app)), "c1"))
    # as if the page had been open 40 s, with its last heartbeat 20 s ago: the next one adds 5 s at most
    now = datetime.now(UTC)
    await RadarVisit.all().update(
        opened_at=now - timedelta(seconds=40), last_beacon_at=now - timedelta(seconds=20)
    )
    for event, value in (("progress", 60), ("heartbeat", 0)):
        response = await company.client.post("/r/beacon", data={"k": key, "e": event, "v": str(value)})
        assert response.status == 204
    card = await alert_card(company)
    assert "客户 王小明 打开了《星河产品手册》，阅读 5 秒，进度 60 %</div>" in card["description"]


async def test_the_alerts_link_opens_the_visit_for_its_recipient_and_nobody_else(company):
    """钱多多 is kf's customer; she opened the link 王小明 shared from s1's send. s1 hears of her, and the
    card's link shows s1 the visit, though s1 may not open 钱多多's customer page."""
    app, c3 = company.client.app, company.ids["c3"]
    await FollowRelation.filter(customer_id=c3, userid="kf").update(remark="kf的私密备注")
    shared = share_token(await open_page(company, staff_link(app, await make_radar(app)), "c1"))
    await open_page(company, shared, "c3")
    card = await alert_card(company)
    assert "客户 钱多多 打开了《星河产品手册》</div>" in card["description"]
    link = URL(card["url"]).path

    await login(company.client, company.emulator, "s1")
    response = await company.client.get(link)
    page = await response.text()
    assert response.status == 200
    assert "<h1>钱多多</h1>" in page and "客服钱的客户" in page and "2级" in page and "客户分享" in page
    path = page[page.index("来源路径") :]
    assert path.index("张三") < path.index("王小明") < path.index("钱多多")
    assert "kf的私密备注" not in page  # a colleague's remark is theirs
    assert f"/sidebar/customers/{c3}" not in page  # a page s1 could not open is not offered
    assert (await company.client.get(f"/sidebar/customers/{c3}")).status == 404

    for stranger in ("s2", "kf", "ops"):  # kf follows 钱多多, ops is an admin: neither was alerted
        await login(company.client, company.emulator, stranger)
        assert (await company.client.get(link)).status == 404, stranger
    for bad in ("abc", "99999999999999999999", "-1", "١٢"):
        assert (await company.client.get(f"/sidebar/radar/visits/{bad}")).status == 404, bad


async def test_the_visit_page_links_the_customer_page_when_the_visitor_is_the_recipients_customer(company):
    app = company.client.app
    await open_page(company, staff_link(app, await make_radar(app)), "c4")  # 孙悟空: s1's, remark 老客户
    card = await alert_card(company)
    await login(company.client, company.emulator, "s1")
    page = await (await company.client.get(URL(card["url"]).path)).text()
    assert "<h1>老客户（孙悟空）</h1>" in page and "你的客户" in page and "1级" in page
    assert f"/sidebar/customers/{company.ids['c4']}" in page
