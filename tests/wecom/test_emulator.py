"""The emulator as our server meets it: encrypted callbacks, user actions, API rules, control endpoints."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import aiohttp
import pytest
import yarl

from bot.wecom.client import WeComClient
from bot.wecom.emulator import CallbackVerificationFailed, CorpConfig, Emulator, run_emulator
from bot.wecom.emulator.events import cdata
from bot.wecom.errors import InvalidParameter, WelcomeCodeUsed
from tests.emulator_fixtures import CallbackReceiver


def fields(plain_xml: str) -> dict[str, str]:
    root = ET.fromstring(plain_xml)
    return {child.tag: (child.text or "") for child in root}


@pytest.fixture
async def wired(emulator: Emulator, callback_receiver: CallbackReceiver) -> Emulator:
    """An emulator with one member whose callback URL passed WeCom's verification."""
    await emulator.callbacks.configure(callback_receiver.url)
    emulator.state.add_member("zhangsan", "张三")
    return emulator


# -- callback delivery ----------------------------------------------------------------------------


async def test_add_event_reaches_the_receiver_and_decrypts_to_self_built_xml(
    wired: Emulator, callback_receiver: CallbackReceiver, corp: CorpConfig, emulator_clock
):
    result = wired.actions.customer_adds_member("zhangsan", state="channel-7")
    await wired.callbacks.drain()

    [plain] = callback_receiver.events
    event = fields(plain)
    assert event["ToUserName"] == corp.corp_id
    assert event["FromUserName"] == "sys"
    assert event["MsgType"] == "event"
    assert event["Event"] == "change_external_contact"
    assert event["ChangeType"] == "add_external_contact"
    assert event["UserID"] == "zhangsan"
    assert event["ExternalUserID"] == result["external_userid"]
    assert event["State"] == "channel-7"
    assert event["WelcomeCode"] == result["welcome_code"]
    assert abs(int(event["CreateTime"]) - emulator_clock()) < 5
    assert wired.callbacks.stats["delivered"] == 1


async def test_url_verification_needs_the_exact_echo(emulator: Emulator, callback_receiver: CallbackReceiver):
    callback_receiver.echo = "something else"

    with pytest.raises(CallbackVerificationFailed):
        await emulator.callbacks.configure(callback_receiver.url)
    assert emulator.callbacks.url is None

    callback_receiver.echo = None
    await emulator.callbacks.configure(callback_receiver.url)
    assert emulator.callbacks.url == callback_receiver.url


async def test_receiver_answering_500_gets_the_event_again(
    wired: Emulator, callback_receiver: CallbackReceiver
):
    callback_receiver.statuses = [500]

    wired.actions.customer_adds_member("zhangsan")
    await wired.callbacks.drain()

    assert [status for _, status in callback_receiver.posts] == [500, 200]
    # Each attempt is freshly encrypted, but the plaintext is the same event.
    assert callback_receiver.posts[0][0] == callback_receiver.posts[1][0]
    assert [r.outcome for r in wired.callbacks.log] == ["http_500", "ok"]


async def test_receiver_failing_every_attempt_is_given_up_after_the_retries(
    wired: Emulator, callback_receiver: CallbackReceiver
):
    callback_receiver.statuses = [503] * 10

    wired.actions.customer_adds_member("zhangsan")
    await wired.callbacks.drain()

    assert len(callback_receiver.posts) == 4  # 1 + 3 retries by default
    assert wired.callbacks.stats["failed"] == 1 and wired.callbacks.stats["delivered"] == 0
    assert wired.callbacks.log[-1].outcome == "gave_up"


async def test_slow_receiver_counts_as_a_failure(corp: CorpConfig, callback_receiver: CallbackReceiver):
    emulator = Emulator(
        corp, callback_url=callback_receiver.url, callback_timeout=0.1, retries=1, retry_delay=0
    )
    emulator.state.add_member("zhangsan")
    callback_receiver.delay = 0.3
    try:
        emulator.actions.customer_adds_member("zhangsan")
        await emulator.callbacks.drain()
    finally:
        await emulator.close()

    assert [r.outcome for r in emulator.callbacks.log] == ["timeout", "timeout", "gave_up"]
    assert emulator.callbacks.stats["failed"] == 1


async def _received_order(
    corp: CorpConfig, receiver: CallbackReceiver, seed: int
) -> tuple[list[str], list[str]]:
    emulator = Emulator(
        corp,
        callback_url=receiver.url,
        seed=seed,
        duplicate_rate=0.2,
        reorder_rate=0.2,
        drop_rate=0.15,
        retry_delay=0,
    )
    emulator.state.add_member("zhangsan")
    receiver.posts.clear()
    try:
        emitted = [emulator.actions.customer_adds_member("zhangsan")["external_userid"] for _ in range(30)]
        await emulator.callbacks.drain()
    finally:
        await emulator.close()
    return emitted, [fields(p)["ExternalUserID"] for p in receiver.events]


async def test_duplicates_reorders_and_drops_are_reproducible_with_a_seed(
    corp: CorpConfig, callback_receiver: CallbackReceiver
):
    emitted, first = await _received_order(corp, callback_receiver, seed=42)
    emitted_again, second = await _received_order(corp, callback_receiver, seed=42)
    _, other = await _received_order(corp, callback_receiver, seed=43)

    assert emitted == emitted_again and first == second
    assert other != first
    assert len(set(first)) < len(emitted)  # some dropped
    assert len(first) > len(set(first))  # some duplicated
    positions = [emitted.index(ext) for ext in dict.fromkeys(first)]
    assert positions != sorted(positions)  # some out of order


async def test_api_changes_send_no_callback_but_client_edits_do(
    wired: Emulator, callback_receiver: CallbackReceiver, wecom_client: WeComClient
):
    ext = wired.state.add_customer("王五", follow=["zhangsan"]).external_userid
    tag = wired.state.add_tag_group("等级", ["VIP"])
    [vip] = wired.state.tags_of_group(tag.group_id)

    await wecom_client.mark_tag("zhangsan", ext, add_tag=[vip.id])
    await wecom_client.remark("zhangsan", ext, remark="王总")
    await wecom_client.add_corp_tag(["新标签"], group_name="等级")
    await wired.callbacks.drain()

    assert wired.state.follows[("zhangsan", ext)].tag_ids == [vip.id]
    assert wired.callbacks.events == [] and callback_receiver.posts == []

    wired.actions.member_edits_customer("zhangsan", ext, remove_tags=[vip.id])
    await wired.callbacks.drain()
    [plain] = callback_receiver.events
    assert fields(plain)["ChangeType"] == "edit_external_contact"


# -- welcome codes --------------------------------------------------------------------------------


async def test_welcome_code_works_once(wired: Emulator, wecom_client: WeComClient):
    added = wired.actions.customer_adds_member("zhangsan")

    await wecom_client.send_welcome_msg(added["welcome_code"], text="您好，我是张三")
    with pytest.raises(WelcomeCodeUsed):
        await wecom_client.send_welcome_msg(added["welcome_code"], text="again")

    [sent] = wired.state.welcome_messages
    assert sent["external_userid"] == added["external_userid"] and sent["text"] == {
        "content": "您好，我是张三"
    }


async def test_welcome_code_expires_after_20_seconds(
    wired: Emulator, wecom_client: WeComClient, emulator_clock
):
    added = wired.actions.customer_adds_member("zhangsan")
    emulator_clock.advance(21)

    with pytest.raises(WelcomeCodeUsed) as caught:
        await wecom_client.send_welcome_msg(added["welcome_code"], text="too late")
    assert caught.value.errcode == 41051


async def test_member_with_a_configured_welcome_gets_no_welcome_code(
    wired: Emulator, callback_receiver: CallbackReceiver
):
    wired.actions.admin_sets_default_welcome("zhangsan")

    assert wired.actions.customer_adds_member("zhangsan")["welcome_code"] is None
    await wired.callbacks.drain()
    assert "WelcomeCode" not in fields(callback_receiver.events[0])


# -- other user actions ---------------------------------------------------------------------------


async def test_contact_way_state_and_deletions(
    wired: Emulator, callback_receiver: CallbackReceiver, wecom_client: WeComClient
):
    way = await wecom_client.add_contact_way(1, 2, user=["zhangsan"], state="spring-fair")
    assert way["qr_code"]

    added = wired.actions.customer_adds_member("zhangsan", state=way["config_id"])
    ext = added["external_userid"]
    follow = (await wecom_client.get_external_contact(ext))["follow_user"][0]
    assert follow["add_way"] == 1 and follow["state"] == "spring-fair"

    wired.actions.customer_deletes_member("zhangsan", ext)
    assert (await wecom_client.get_external_contact(ext))["follow_user"][0]["userid"] == "zhangsan"
    wired.actions.member_deletes_customer("zhangsan", ext, by_transfer=True)
    await wired.callbacks.drain()

    events = [fields(p) for p in callback_receiver.events]
    assert [e["ChangeType"] for e in events] == [
        "add_external_contact",
        "del_follow_user",
        "del_external_contact",
    ]
    assert events[0]["State"] == "spring-fair"
    assert events[2]["Source"] == "DELETE_BY_TRANSFER"
    assert ("zhangsan", ext) not in wired.state.follows


async def test_group_membership_events_carry_member_versions(
    wired: Emulator, callback_receiver: CallbackReceiver, wecom_client: WeComClient
):
    chat_id = wired.actions.group_created("zhangsan", name="客户群")["chat_id"]
    before = (await wecom_client.groupchat_get(chat_id))["group_chat"]["member_version"]
    joined = wired.actions.customer_joins_group(chat_id, join_scene=3)
    wired.actions.customer_leaves_group(chat_id, joined["userid"], removed_by="zhangsan")
    wired.actions.group_renamed(chat_id, "VIP 客户群")
    await wired.callbacks.drain()

    create, join, leave, rename = (fields(p) for p in callback_receiver.events)
    assert (create["Event"], create["ChangeType"], create["ChatId"]) == (
        "change_external_chat",
        "create",
        chat_id,
    )
    assert join["UpdateDetail"] == "add_member" and join["JoinScene"] == "3" and join["MemChangeCnt"] == "1"
    assert join["LastMemVer"] == before and join["CurMemVer"] == joined["member_version"]
    items = [i.text for i in ET.fromstring(callback_receiver.events[1]).iter("Item")]
    assert items == [joined["userid"]]
    assert leave["UpdateDetail"] == "del_member" and leave["QuitScene"] == "1"
    assert leave["LastMemVer"] == joined["member_version"]
    assert rename["UpdateDetail"] == "change_name"
    group = (await wecom_client.groupchat_get(chat_id))["group_chat"]
    assert group["name"] == "VIP 客户群" and group["member_version"] == leave["CurMemVer"]


async def test_admin_tag_edits_and_directory_changes_emit_events(
    wired: Emulator, callback_receiver: CallbackReceiver
):
    created = wired.actions.admin_creates_tag("VIP", group_name="等级")
    second = wired.actions.admin_creates_tag("普通", group_id=created["group_id"])
    wired.actions.admin_shuffles_tags(
        created["group_id"], order=[second["tag_id"], created["tag_id"]], strategy_id="9"
    )
    wired.actions.create_user("lisi", "李四", department=[1])
    await wired.callbacks.drain()

    group_event, tag_event, shuffle, user = (fields(p) for p in callback_receiver.events)
    assert (group_event["ChangeType"], group_event["TagType"], group_event["Id"]) == (
        "create",
        "tag_group",
        created["group_id"],
    )
    assert (tag_event["TagType"], tag_event["Id"]) == ("tag", second["tag_id"])
    assert (shuffle["ChangeType"], shuffle["StrategyId"]) == ("shuffle", "9")
    assert (user["Event"], user["ChangeType"], user["UserID"]) == ("change_contact", "create_user", "lisi")
    assert [t.name for t in wired.state.tags_of_group(created["group_id"])] == ["普通", "VIP"]


async def test_event_values_are_escaped(wired: Emulator, callback_receiver: CallbackReceiver):
    tricky = "a]]>b<&'\""
    wired.actions.customer_adds_member("zhangsan", state=tricky)
    await wired.callbacks.drain()

    assert fields(callback_receiver.events[0])["State"] == tricky
    assert ET.fromstring(f"<x>{cdata(tricky)}</x>").text == tricky


async def test_mass_task_statuses_and_receive_cap(emulator: Emulator, wecom_client: WeComClient):
    state = emulator.state
    state.add_member("zhangsan")
    state.limits.receive_cap = "day1"
    friend = state.add_customer(follow=["zhangsan"]).external_userid
    gone = state.add_customer(follow=["zhangsan"]).external_userid
    state.follows[("zhangsan", gone)].lost = True
    stranger = state.add_customer().external_userid

    first = await wecom_client.add_msg_template(
        {"external_userid": [friend, gone, stranger], "text": {"content": "双十一优惠"}}
    )
    assert first["fail_list"] == [stranger]
    emulator.actions.member_confirms_mass_send("zhangsan", first["msgid"])
    second = await wecom_client.add_msg_template({"sender": "zhangsan", "text": {"content": "再来一条"}})
    emulator.actions.member_confirms_mass_send("zhangsan", second["msgid"])

    result = await wecom_client.get_groupmsg_send_result(first["msgid"], "zhangsan")
    assert {r["external_userid"]: r["status"] for r in result["send_list"]} == {friend: 1, gone: 2}
    result = await wecom_client.get_groupmsg_send_result(second["msgid"], "zhangsan")
    assert {r["external_userid"]: r["status"] for r in result["send_list"]}[friend] == 3  # one a day
    task = await wecom_client.get_groupmsg_task(first["msgid"])
    assert task["task_list"][0]["status"] == 2


# -- API rules over raw HTTP ----------------------------------------------------------------------


async def test_token_rules_and_errmsg_style(emulator: Emulator, emulator_server, corp: CorpConfig):
    async def get(path: str, **params: str) -> dict:
        async with aiohttp.ClientSession() as session:
            async with session.get(emulator_server.make_url(f"/cgi-bin/{path}"), params=params) as resp:
                assert resp.status == 200
                return await resp.json()

    assert (await get("gettoken", corpid="wwnope", corpsecret=corp.agent_secret))["errcode"] == 40013
    assert (await get("gettoken", corpid=corp.corp_id, corpsecret="nope"))["errcode"] == 40001
    contact = (await get("gettoken", corpid=corp.corp_id, corpsecret=corp.contact_secret))["access_token"]
    agent = (await get("gettoken", corpid=corp.corp_id, corpsecret=corp.agent_secret))["access_token"]
    assert contact != agent and len(contact.encode()) <= 512

    missing = await get("externalcontact/get_follow_user_list")
    assert missing["errcode"] == 41001 and ", hint: [" in missing["errmsg"]
    assert (await get("externalcontact/get_follow_user_list", access_token="bogus"))["errcode"] == 40014
    assert (await get("user/get", access_token=contact, userid="x"))["errcode"] == 48002
    assert (await get("user/get", access_token=agent, userid="ghost"))["errcode"] == 60111

    emulator.expire_tokens()
    assert (await get("externalcontact/get_follow_user_list", access_token=contact))["errcode"] == 42001
    assert (await get("externalcontact/get_follow_user_list", access_token=contact))["errcode"] == 42001
    fresh = (await get("gettoken", corpid=corp.corp_id, corpsecret=corp.contact_secret))["access_token"]
    assert (await get("externalcontact/get_follow_user_list", access_token=fresh))["errcode"] == 0


async def test_parameter_limits_answer_40058(emulator: Emulator, wecom_client: WeComClient):
    emulator.state.add_member("zhangsan")
    ext = emulator.state.add_customer(follow=["zhangsan"]).external_userid
    cases = [
        wecom_client.batch_get_by_user(["zhangsan"], limit=101),
        wecom_client.add_contact_way(1, 2, user=["zhangsan"], state="x" * 31),
        wecom_client.remark("zhangsan", ext, remark="备" * 21),
        wecom_client.groupchat_list(limit=1001),
    ]
    for call in cases:
        with pytest.raises(InvalidParameter) as caught:
            await call
        assert caught.value.errcode == 40058
    with pytest.raises(InvalidParameter) as too_long:
        await wecom_client.add_msg_template({"sender": "zhangsan", "text": {"content": "字" * 1334}})
    assert too_long.value.errcode == 45002  # 4002 bytes > 4000


# -- control endpoints and the TCP runner ---------------------------------------------------------


async def test_control_endpoints_drive_and_inspect_the_emulator(emulator: Emulator, emulator_server):
    emulator.state.add_member("zhangsan")
    base = emulator_server.make_url("/_emulator/")
    async with aiohttp.ClientSession() as http:
        async with http.post(base / "actions/customer_adds_member", json={"userid": "zhangsan"}) as resp:
            assert resp.status == 200
            ext = (await resp.json())["external_userid"]
        async with http.get(base / f"customers/{ext}") as resp:
            assert (await resp.json())["follow"][0]["userid"] == "zhangsan"
        async with http.post(base / "actions/customer_adds_member", json={"userid": "ghost"}) as resp:
            assert resp.status == 400
        async with http.post(base / "actions/no_such_action", json={}) as resp:
            assert resp.status == 404
        async with http.get(base / "deliveries") as resp:
            assert (await resp.json())["stats"] == {"unconfigured": 1}  # no callback URL configured yet
        async with http.post(base / "fail_next", json={"path": "user/get", "errcode": -1}) as resp:
            assert resp.status == 200
        async with http.get(emulator_server.make_url("/cgi-bin/user/get")) as resp:
            assert (await resp.json())["errcode"] == -1
        async with http.get(emulator_server.make_url("/cgi-bin/user/get")) as resp:
            assert (await resp.json())["errcode"] == 41001  # the injected fault was used up


async def test_run_emulator_serves_on_a_tcp_port(corp: CorpConfig):
    runner = await run_emulator(Emulator(corp), "127.0.0.1", 0)
    try:
        host, port = runner.addresses[0][:2]
        async with aiohttp.ClientSession() as http:
            url = f"http://{host}:{port}/cgi-bin/gettoken"
            async with http.get(
                url, params={"corpid": corp.corp_id, "corpsecret": corp.agent_secret}
            ) as resp:
                assert (await resp.json())["expires_in"] == 7200
    finally:
        await runner.cleanup()


def test_generated_corp_config_is_valid():
    corp = CorpConfig.generate(seed=3)

    assert corp == CorpConfig.generate(seed=3)
    assert corp.corp_id.startswith("ww") and len(corp.corp_id) == 18
    assert len(corp.token) == 32 and corp.token.isalnum()
    assert len(corp.encoding_aes_key) == 43 and corp.encoding_aes_key.isalnum()
    assert len(corp.agent_secret) == 43 and corp.agent_id == 1000002


async def test_oauth_authorize_redirects_with_a_code_for_the_chosen_member(
    emulator: Emulator, emulator_server, wecom_client: WeComClient
):
    emulator.state.add_member("zhangsan")
    params = {
        "redirect_uri": "https://scrm.example.com/oauth/callback?next=/s",
        "state": "abc",
        "userid": "zhangsan",
    }
    async with aiohttp.ClientSession() as http:
        url = emulator_server.make_url("/_emulator/oauth/authorize")
        async with http.get(url, params=params, allow_redirects=False) as resp:
            assert resp.status == 302
            target = resp.headers["Location"]

    location = yarl.URL(target)
    assert location.host == "scrm.example.com" and location.query["state"] == "abc"
    assert location.query["next"] == "/s"
    assert (await wecom_client.get_user_info_by_code(location.query["code"]))["userid"] == "zhangsan"


async def test_oauth_authorize_without_an_identity_lets_a_person_pick_a_member(emulator, emulator_server):
    emulator.state.add_member("zhangsan", "张三")
    emulator.state.add_member("lisi", "李四", status=5)  # resigned: cannot log in
    params = {"redirect_uri": "https://scrm.example.com/auth/callback", "state": "abc"}
    async with aiohttp.ClientSession() as http:
        url = emulator_server.make_url("/_emulator/oauth/authorize")
        async with http.get(url, params=params, allow_redirects=False) as resp:
            page = await resp.text()
        assert resp.status == 200 and "以哪位员工的身份登录" in page
        assert "张三" in page and "李四" not in page
        pick = yarl.URL(re.search(r'href="([^"]+userid=zhangsan[^"]*)"', page).group(1).replace("&amp;", "&"))
        async with http.get(emulator_server.make_url(str(pick)), allow_redirects=False) as resp:
            assert resp.status == 302 and yarl.URL(resp.headers["Location"]).query["state"] == "abc"
