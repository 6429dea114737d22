"""The sidebar over HTTP: signatures, the customer card, tag and remark edits through WeCom, refusals."""

import json
import re
import time

import aiohttp
from yarl import URL

from bot.contacts.models import FollowRelation
from bot.wecom import jssdk
from sidebar_web.auth import COOKIE, SESSIONS
from tests.readapi_corp import login


async def open_page(company, path: str, as_: str):
    await login(company.client, company.emulator, as_)
    response = await company.client.get(path)
    return response.status, await response.text()


def csrf_of(html: str) -> str:
    return re.search(r'"X-CSRF-Token": "([^"]+)"', html).group(1)


async def test_jssdk_config_signs_only_this_servers_pages_with_both_tickets(company):
    await login(company.client, company.emulator, "s1")
    base = (
        company.client.app["settings"].public_url if False else str(company.client.make_url("")).rstrip("/")
    )
    page = f"{base}/sidebar/?from=toolbar#x"
    response = await company.client.get("/sidebar/jssdk-config", params={"url": page})
    config = await response.json()
    tickets = company.emulator.state.tickets
    assert config["signature"] == jssdk.sign(
        tickets["corp"][0], config["nonceStr"], config["timestamp"], page
    )
    assert config["agentSignature"] == jssdk.sign(
        tickets["agent"][0], config["nonceStr"], config["timestamp"], page
    )
    refused = await company.client.get("/sidebar/jssdk-config", params={"url": "https://evil.example/x"})
    assert refused.status == 400 and (await refused.json())["param"] == "url"


async def test_the_customer_card_shows_my_relation_and_the_other_followers(company):
    status, html = await open_page(company, f"/sidebar/customers/{company.ids['c4']}", "s1")
    assert status == 200
    assert "孙悟空" in html and "（老客户）" in html  # s1's remark
    assert "其他跟进人" in html and "客服钱" in html
    assert 'class="tag on"' not in html  # s1 gave c4 no tags


async def test_a_tag_tap_goes_to_wecom_then_the_mirror_and_the_timeline(company):
    ext, b = company.ids["c1"], company.tags["B"]
    _, html = await open_page(company, f"/sidebar/customers/{ext}", "s1")
    response = await company.client.post(
        f"/sidebar/customers/{ext}/tags",
        data={"tag_id": b, "op": "add"},
        headers={"X-CSRF-Token": csrf_of(html)},
    )
    fragment = await response.text()
    assert response.status == 200 and "已添加标签" in fragment
    assert b in company.emulator.state.follows[("s1", ext)].tag_ids
    assert b in (await FollowRelation.get(customer_id=ext, userid="s1")).tag_ids
    _, page = await company.get(f"/api/v1/customers/{ext}/timeline", type="tags_added")
    assert [(e["userid"], e["payload"]["names"]) for e in page["items"]].count(("s1", ["B类"])) == 1


async def test_a_refused_tag_change_says_why_and_changes_nothing(company):
    ext, b = company.ids["c1"], company.tags["B"]
    _, html = await open_page(company, f"/sidebar/customers/{ext}", "s1")
    company.emulator.fail_next("externalcontact/mark_tag", 84061, times=1)
    response = await company.client.post(
        f"/sidebar/customers/{ext}/tags",
        data={"tag_id": b, "op": "add"},
        headers={"X-CSRF-Token": csrf_of(html)},
    )
    fragment = await response.text()
    assert "企业微信未能修改标签（84061）" in fragment
    assert b not in company.emulator.state.follows[("s1", ext)].tag_ids
    assert b not in (await FollowRelation.get(customer_id=ext, userid="s1")).tag_ids


async def test_remark_is_saved_in_wecom_and_a_too_long_one_is_refused(company):
    ext = company.ids["c1"]
    _, html = await open_page(company, f"/sidebar/customers/{ext}", "s1")
    post = company.client.post
    headers = {"X-CSRF-Token": csrf_of(html)}
    too_long = await post(
        f"/sidebar/customers/{ext}/remark", data={"remark": "很" * 21, "description": ""}, headers=headers
    )
    assert "备注最多 20 个字" in await too_long.text()
    assert company.emulator.state.follows[("s1", ext)].remark == ""
    saved = await post(
        f"/sidebar/customers/{ext}/remark",
        data={"remark": "王经理", "description": "展会认识"},
        headers=headers,
    )
    assert "备注已保存" in await saved.text()
    follow = company.emulator.state.follows[("s1", ext)]
    assert (follow.remark, follow.description) == ("王经理", "展会认识")
    forged = await post(f"/sidebar/customers/{ext}/remark", data={"remark": "x", "description": ""})
    assert forged.status == 403 and follow.remark == "王经理"


async def test_another_staff_members_customer_is_a_404_page(company):
    status, html = await open_page(company, f"/sidebar/customers/{company.ids['c1']}", "s2")
    assert status == 404 and "找不到这位客户" in html


async def test_a_viewer_who_does_not_follow_the_customer_reads_but_cannot_edit(company):
    status, html = await open_page(company, f"/sidebar/customers/{company.ids['c1']}", "lead")
    assert (
        status == 200
        and "只能查看" in html
        and "<button" not in html.split('id="tags"')[1].split("</div>\n</div>")[0]
    )


async def test_the_group_card_counts_todays_joins(company):
    status, html = await open_page(company, f"/sidebar/groups/{company.chat_id}", "s1")
    chat = company.emulator.state.group_chats[company.chat_id]
    assert status == 200 and "展会客户群" in html
    assert f"<b>{len(chat.members)}</b><span>今日入群</span>" in html
    assert (await open_page(company, f"/sidebar/groups/{company.chat_id}", "s2"))[0] == 404


async def test_without_the_emulator_no_stand_in_is_served_and_pages_load_the_real_jssdk(live_database):
    client = live_database  # default settings: emulator.jssdk_shim is off
    async with aiohttp.ClientSession() as http:
        for path in ("/sidebar/try", "/sidebar/jssdk-shim.js"):
            async with http.get(client.make_url(path), allow_redirects=False) as response:
                assert response.status == 404, path
        async with http.get(client.make_url("/static/vendor/wecom-jssdk/wecom.global.prod.js")) as response:
            assert response.status == 200 and "ww" in (await response.text())[:20]


async def test_the_first_page_is_light(company):
    status, html = await open_page(company, f"/sidebar/customers/{company.ids['c4']}", "s1")
    assert status == 200 and len(html.encode()) < 50_000
    # No request leaves our host: every script, style and image is ours (the demo's avatars are the
    # emulator's, which stands in for WeCom's own image host).
    sources = re.findall(r'(?:src|href)="(https?://[^"]+)"', html)
    assert all(s.startswith(company.emulator_url) for s in sources), sources


async def test_follow_ups_and_stages_are_refused_with_a_reason_and_change_nothing(company):
    from bot.followups.models import CustomerStage, FollowUp

    ext = company.ids["c1"]
    _, html = await open_page(company, f"/sidebar/customers/{ext}", "s1")
    headers = {"X-CSRF-Token": csrf_of(html)}
    post = company.client.post
    empty = await post(f"/sidebar/customers/{ext}/follow-ups", data={"text": "  "}, headers=headers)
    assert "跟进内容不能为空" in await empty.text()
    past = await post(
        f"/sidebar/customers/{ext}/follow-ups",
        data={"text": "回访", "remind_at": "2020-01-01T09:00"},
        headers=headers,
    )
    assert "提醒时间必须晚于现在" in await past.text()
    bad_stage = await post(f"/sidebar/customers/{ext}/stage", data={"stage_id": "x"}, headers=headers)
    assert "请选择客户阶段" in await bad_stage.text()
    forged = await post(f"/sidebar/customers/{ext}/follow-ups", data={"text": "回访"})
    assert forged.status == 403
    assert not await FollowUp.exists() and not await CustomerStage.exists()
    # Another staff member's customer: not found, whatever the token.
    outside = await post(
        f"/sidebar/customers/{company.ids['c2']}/follow-ups", data={"text": "回访"}, headers=headers
    )
    assert outside.status == 404 and not await FollowUp.exists()


async def test_an_expired_session_goes_back_through_wecom_login_and_a_non_member_gets_a_clear_page(company):
    client = company.client
    sessions = client.app[SESSIONS]
    # a session the server still keeps, in a cookie older than session_hours
    stale = sessions.fernet.encrypt_at_time(
        json.dumps(await sessions.start("s1")).encode(), int(time.time()) - sessions.ttl - 60
    )
    client.session.cookie_jar.clear()
    client.session.cookie_jar.update_cookies({COOKIE: stale.decode()})
    response = await client.get(f"/sidebar/customers/{company.ids['c1']}", allow_redirects=False)
    assert response.status == 302 and response.headers["Location"].startswith("/auth/login?next=/sidebar/")

    company.emulator.state.add_member("visitor", "访客")  # in WeCom, not (yet) in the mirror
    start = await client.get("/auth/login", allow_redirects=False)
    authorize = start.headers["Location"].split("#")[0] + "&userid=visitor"
    back = await client.session.get(authorize, allow_redirects=False)
    refused = await client.get(URL(back.headers["Location"]).path_qs)
    assert refused.status == 403 and "只有本企业的在职员工可以登录" in await refused.text()
