"""Sending radars from the sidebar: staff see the radars their departments may use, and every tap is recorded
and answered with a news card whose signed link names the radar, the sender and the customer."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from yarl import URL

from bot.appkeys import SETTINGS
from bot.radar import groups as radar_groups
from bot.radar import sending as radar_sending
from bot.radar.links import BadLink, LinkSigner
from bot.radar.models import Radar, RadarGroup, RadarSend
from bot.values import InvalidInput
from tests.readapi_corp import login


async def radar(group: RadarGroup, title: str, order: int = 0, deleted: bool = False, **kw) -> Radar:
    now = datetime.now(UTC)
    return await Radar.create(
        group=group, name=title, type=kw.pop("type", Radar.PDF), title=title, order=order,
        created_at=now, updated_at=now, deleted_at=now if deleted else None, **kw,
    )  # fmt: skip


async def visible_to(userid: str) -> dict[str, list[str]]:
    return {
        g["name"]: [r["title"] for r in g["radars"]] for g in await radar_sending.radars_for_member(userid)
    }


def settings_of(company):
    return company.client.app[SETTINGS]


def csrf_of(html: str) -> str:
    return re.search(r'"X-CSRF-Token": "([^"]+)"', html).group(1)


@pytest.fixture
async def radars(company) -> dict[str, Radar]:
    """公司介绍 for everyone, 销售话术 for 销售部 (and its 华东组), 客服话术 for 客服部, an empty group."""
    everyone = await radar_groups.create_group("公司介绍")
    sales = await radar_groups.create_group("销售话术")
    service = await radar_groups.create_group("客服话术")
    await radar_groups.create_group("空分组")
    await radar_groups.set_visible_departments(sales.id, [2])
    await radar_groups.set_visible_departments(service.id, [4])
    return {
        "intro": await radar(
            everyone, "星河智能简介", order=2, description="三分钟了解我们", cover="cover-abc.png"
        ),
        "site": await radar(everyone, "官网", order=1, type=Radar.LINK, link_url="https://example.com/"),
        "gone": await radar(everyone, "旧版简介", order=3, deleted=True),
        "price": await radar(sales, "价格方案", type=Radar.IMAGE),
        "faq": await radar(service, "常见问题"),
    }


async def test_staff_see_the_live_radars_of_groups_their_departments_see_in_console_order(company, radars):
    # s1 is in 销售部, s2 in its sub-department 华东组, kf in 客服部; ops is in the root department only.
    sales_view = {"公司介绍": ["官网", "星河智能简介"], "销售话术": ["价格方案"]}
    assert await visible_to("s1") == sales_view
    assert await visible_to("s2") == sales_view
    assert await visible_to("kf") == {"公司介绍": ["官网", "星河智能简介"], "客服话术": ["常见问题"]}
    assert await visible_to("ops") == {"公司介绍": ["官网", "星河智能简介"]}
    assert await visible_to("nobody") == {}
    # A group shown to nobody in particular is everyone's: clearing 客服话术's departments opens it to s1.
    await radar_groups.set_visible_departments(radars["faq"].group_id, [])
    assert list(await visible_to("s1")) == ["公司介绍", "销售话术", "客服话术"]


async def test_each_tap_is_recorded_and_the_card_links_to_the_radar_for_that_customer(company, radars):
    settings, ext = settings_of(company), company.ids["c1"]
    sent_at = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)
    for _ in range(2):  # every tap counts (seed 002: 发送雷达次数)
        card = await radar_sending.send(settings, "s1", radars["intro"].id, external_userid=ext, now=sent_at)
    rows = await RadarSend.filter(radar_id=radars["intro"].id).values_list(
        "userid", "external_userid", "chat_id", "sent_at"
    )
    assert rows == [("s1", ext, "", sent_at)] * 2
    assert card["title"] == "星河智能简介" and card["desc"] == "三分钟了解我们"
    assert card["imgUrl"] == f"{settings.public_url}/media/radar/cover-abc.png"
    link = URL(card["link"])
    assert card["link"].startswith(f"{settings.public_url}/r/")
    verified = LinkSigner.from_settings(settings).verify(
        link.path.removeprefix("/r/"), now=sent_at.timestamp()
    )
    assert (verified.radar_id, verified.userid, verified.recipient, verified.parent_visit) == (
        radars["intro"].id,
        "s1",
        ext,
        None,
    )
    assert verified.issued_at == int(sent_at.timestamp())  # the chain's age counts from the send


async def test_a_send_into_a_customer_group_names_no_recipient(company, radars):
    settings = settings_of(company)
    card = await radar_sending.send(settings, "s1", radars["price"].id, chat_id=company.chat_id)
    assert card["imgUrl"] == ""  # no cover: WeCom shows its default
    verified = LinkSigner.from_settings(settings).verify(URL(card["link"]).path.removeprefix("/r/"))
    assert (verified.userid, verified.recipient) == ("s1", "")
    send = await RadarSend.get(radar_id=radars["price"].id)
    assert (send.userid, send.chat_id, send.external_userid) == ("s1", company.chat_id, "")


@pytest.mark.parametrize(
    "userid, radar_key, chat, reason",
    [
        ("s1", "faq", {"external_userid": "c1"}, "部门不能使用"),  # 客服话术 is for 客服部
        ("s1", "gone", {"external_userid": "c1"}, "已被删除"),
        ("s1", None, {"external_userid": "c1"}, "已被删除"),  # no such radar
        ("s1", "intro", {"external_userid": "c2"}, "不是这位客户的跟进人"),  # s2's customer
        ("lead", "intro", {"external_userid": "c5"}, "不是这位客户的跟进人"),  # c5 deleted lead: lost
        ("s2", "intro", {"external_userid": "c6"}, "不是这位客户的跟进人"),  # s2 deleted c6
        ("s1", "intro", {}, "单聊或客户群"),
        ("s1", "intro", {"external_userid": "c1", "chat_id": "group"}, "单聊或客户群"),
        ("s2", "intro", {"chat_id": "group"}, "不在这个客户群"),  # s1's group
        ("s1", "intro", {"chat_id": "wrOtherCorpChat"}, "不在这个客户群"),
    ],
)
async def test_refused_sends_say_why_and_record_nothing(company, radars, userid, radar_key, chat, reason):
    ids = {**company.ids, "group": company.chat_id}
    chat = {k: ids.get(v, v) for k, v in chat.items()}
    radar_id = radars[radar_key].id if radar_key else 999999
    with pytest.raises(InvalidInput, match=reason):
        await radar_sending.send(settings_of(company), userid, radar_id, **chat)
    assert await RadarSend.all().count() == 0


async def test_the_customer_card_lists_the_radars_and_a_tap_answers_with_the_card(company, radars):
    client, ext = company.client, company.ids["c1"]
    await login(client, company.emulator, "s1")
    html = await (await client.get(f"/sidebar/customers/{ext}")).text()
    assert html.index("星河智能简介") > html.index("官网") and "价格方案" in html
    assert "常见问题" not in html and "旧版简介" not in html
    url = f"/sidebar/radars/{radars['intro'].id}/send"
    forged = await client.post(url, data={"external_userid": ext})
    assert forged.status == 403 and "页面已过期" in (await forged.json())["error"]
    headers = {"X-CSRF-Token": csrf_of(html)}
    refused = await client.post(url, data={"external_userid": company.ids["c2"]}, headers=headers)
    assert refused.status == 400 and "不是这位客户的跟进人" in (await refused.json())["error"]
    assert await RadarSend.all().count() == 0
    sent = await client.post(url, data={"external_userid": ext}, headers=headers)
    news = (await sent.json())["news"]
    assert news["title"] == "星河智能简介" and news["link"].startswith(
        settings_of(company).public_url + "/r/"
    )
    assert await RadarSend.filter(userid="s1", external_userid=ext).count() == 1
    assert (await client.post("/sidebar/radars/x/send", headers=headers)).status == 404


async def test_someone_who_does_not_follow_the_customer_sees_no_send_buttons(company, radars):
    # kflead, 客服部's department admin, may open kf's customer c3 but only kf can chat with them.
    await login(company.client, company.emulator, "kflead")
    html = await (await company.client.get(f"/sidebar/customers/{company.ids['c3']}")).text()
    assert "只有客户的跟进人可以向他发送雷达" in html and "data-send=" not in html


async def test_the_group_card_lists_the_radars_to_send_into_the_group(company, radars):
    await login(company.client, company.emulator, "s1")
    html = await (await company.client.get(f"/sidebar/groups/{company.chat_id}")).text()
    assert f'data-chat-id="{company.chat_id}"' in html and "价格方案" in html


async def test_a_sent_link_stops_opening_link_days_after_the_send(company, radars):
    settings = settings_of(company)
    long_ago = datetime.now(UTC) - timedelta(days=settings.radar.link_days + 1)
    card = await radar_sending.send(
        settings, "s1", radars["intro"].id, external_userid=company.ids["c1"], now=long_ago
    )
    with pytest.raises(BadLink, match="expired"):
        LinkSigner.from_settings(settings).verify(URL(card["link"]).path.removeprefix("/r/"))
