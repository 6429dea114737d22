"""The WeChat share card of a radar page: in WeChat, with an official account configured, the page asks
/r/wx/config for a wx.config signed for its own address and the card's title, description and cover; the
account's token and ticket come from WeChat (the emulator) once and are reused."""

import hashlib
import time

import aiohttp
import pytest
from yarl import URL

from bot.radar.models import Radar
from bot.wecom.tokens import MemoryTokenStore
from bot.wecom.wechat import WeChatCredentialsError, WeChatError, WeChatJsApi
from sidebar_web.app import create_app
from sidebar_web.commands import free_port
from tests.radar.pages import Visitor, make_radar, share_url, staff_link

WECHAT_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) MicroMessenger/8.0.47(0x18002f2c) NetType/WIFI"
)
COVER = "0123456789abcdef0123456789abcdef.png"


async def _server(aiohttp_client, make_settings, emulator, emulator_server, *, wechat: bool):
    base = str(emulator_server.make_url("")).rstrip("/")
    port = free_port()  # known before start: OAuth sends browsers back to public_url
    radar = {}
    if wechat:
        radar = {
            "wechat_app_id": emulator.corp.wechat_app_id,
            "wechat_app_secret": emulator.corp.wechat_app_secret,
            "wechat_oauth_url": base + "/_emulator/oauth/authorize",
            "wechat_api_base_url": base + "/",
        }
    settings = make_settings(
        api_base_url=base,
        server={"public_url": f"http://127.0.0.1:{port}"},
        wecom={"oauth_url": base + "/_emulator/oauth/authorize"},
        radar=radar,
    )
    return await aiohttp_client(create_app(settings, run_worker=False), server_kwargs={"port": port})


@pytest.fixture
async def client(aiohttp_client, make_settings, emulator, emulator_server):
    """Our server with the emulator playing the official account that names visitors and signs pages."""
    return await _server(aiohttp_client, make_settings, emulator, emulator_server, wechat=True)


@pytest.fixture
async def plain_client(aiohttp_client, make_settings, emulator, emulator_server):
    """Our server without an official account: the WeCom app's own OAuth names visitors."""
    return await _server(aiohttp_client, make_settings, emulator, emulator_server, wechat=False)


@pytest.fixture
async def visitors(client):
    made = []

    def visitor(name: str, test_client=None) -> Visitor:
        made.append(Visitor(test_client or client, stranger=name))
        return made[-1]

    yield visitor
    for v in made:
        await v.close()


async def wx_config(client, url: str | None) -> tuple[int, dict]:
    response = await client.get("/r/wx/config", params={} if url is None else {"url": url})
    return response.status, await response.json()


def verifies(config: dict, ticket: str, url: str) -> bool:
    """WeChat's own check (JS-SDK doc, appendix 1): sha1 over the four raw values, the URL without #."""
    plain = (
        f"jsapi_ticket={ticket}&noncestr={config['nonceStr']}"
        f"&timestamp={config['timestamp']}&url={url.split('#')[0]}"
    )
    return hashlib.sha1(plain.encode()).hexdigest() == config["signature"]


async def test_in_wechat_the_page_gets_a_share_card_signed_for_its_address(client, visitors, emulator):
    app = client.app
    radar = await make_radar(app, cover=COVER)
    status, page = await visitors("小林").open(staff_link(app, radar), ua=WECHAT_UA)
    assert status == 200
    assert 'data-wx="/r/wx/config"' in page and "vendor/weixin-js-sdk/jweixin.js" in page
    own_link = share_url(page)  # what the page rewrites its address to: the visitor's own link

    status, config = await wx_config(client, own_link + "#section-2")
    assert status == 200, config
    assert config["appId"] == emulator.corp.wechat_app_id
    assert config["jsApiList"] == ["updateAppMessageShareData", "updateTimelineShareData"]
    assert emulator.wechat.ticket() and verifies(config, emulator.wechat.ticket(), own_link)
    assert config["share"] == {
        "title": "星河产品手册",
        "desc": "三分钟了解我们的产品",
        "imgUrl": str(URL(own_link).with_path(f"/media/radar/{COVER}").with_query(None)),
    }
    # iOS WeChat signs the address the page was entered with: OAuth's code and state included.
    entered = str(URL(own_link).with_query(code="0a1B2c", state="f00d"))
    status, config = await wx_config(client, entered)
    assert status == 200 and verifies(config, emulator.wechat.ticket(), entered)
    assert not verifies(config, emulator.wechat.ticket(), own_link)


async def test_token_and_ticket_are_fetched_once_for_many_pages(client, visitors, emulator):
    app = client.app
    radar = await make_radar(app)
    pages = [
        share_url((await visitors(name).open(staff_link(app, radar), ua=WECHAT_UA))[1])
        for name in ("小林", "小周")
    ]
    configs = [await wx_config(client, url) for url in pages]
    assert [status for status, _ in configs] == [200, 200]
    assert all(
        verifies(config, emulator.wechat.ticket(), url)
        for (_, config), url in zip(configs, pages, strict=True)
    )
    assert emulator.wechat.calls["cgi-bin/token"] == 1
    assert emulator.wechat.calls["cgi-bin/ticket/getticket"] == 1


async def test_an_expired_token_is_fetched_again_once(emulator, emulator_server):
    async with aiohttp.ClientSession() as http:
        api = _js_api(http, emulator, emulator_server)
        await api.access_token()
        emulator.wechat.expire_tokens()  # two hours later, or WeChat dropped it early: 42001
        assert await api.jsapi_ticket() == emulator.wechat.ticket()
    assert emulator.wechat.calls["cgi-bin/token"] == 2
    assert emulator.wechat.calls["cgi-bin/ticket/getticket"] == 2


async def test_a_token_another_fetch_replaced_is_fetched_again(emulator, emulator_server, emulator_clock):
    async with aiohttp.ClientSession() as http:
        ours = _js_api(http, emulator, emulator_server, clock=emulator_clock)
        first = await ours.access_token()
        await _js_api(http, emulator, emulator_server).access_token()  # another server's fetch
        emulator_clock.advance(400)  # past WeChat's five minutes of overlap: ours answers 40001 now
        assert await ours.jsapi_ticket() == emulator.wechat.ticket()
        assert await ours.access_token() != first
    assert emulator.wechat.calls["cgi-bin/token"] == 3
    assert emulator.wechat.calls["cgi-bin/ticket/getticket"] == 2


async def test_while_wechat_is_unreachable_a_ticket_close_to_expiry_is_still_used(emulator):
    store = MemoryTokenStore()
    await store.put(f"wechat:ticket:jsapi:{emulator.corp.wechat_app_id}", "ticket-0", time.time() + 100)
    async with aiohttp.ClientSession() as http:
        api = WeChatJsApi(
            http,
            base_url=f"http://127.0.0.1:{free_port()}/",  # nothing listens there
            app_id=emulator.corp.wechat_app_id,
            app_secret=emulator.corp.wechat_app_secret,
            token_store=store,
        )
        assert await api.jsapi_ticket() == "ticket-0"
        await store.put(f"wechat:ticket:jsapi:{emulator.corp.wechat_app_id}", "ticket-0", time.time() - 1)
        with pytest.raises(WeChatError, match="unreachable"):
            await api.jsapi_ticket()


async def test_wrong_credentials_are_refused_by_wechat_and_reported(emulator, emulator_server):
    async with aiohttp.ClientSession() as http:
        api = _js_api(http, emulator, emulator_server, app_secret="0" * 32)
        with pytest.raises(WeChatCredentialsError) as refused:
            await api.jsapi_ticket()
    assert refused.value.errcode == 40125
    assert "cgi-bin/token" in str(refused.value) and "0" * 32 not in str(refused.value)


async def test_the_emulator_answers_token_and_ticket_errors_like_wechat(
    emulator, emulator_server, emulator_clock
):
    corp = emulator.corp
    ok = {"grant_type": "client_credential", "appid": corp.wechat_app_id, "secret": corp.wechat_app_secret}

    async def get(path: str, **query) -> dict:
        async with aiohttp.ClientSession() as http:
            async with http.get(emulator_server.make_url(path), params=query) as response:
                assert response.status == 200  # WeChat answers errors with HTTP 200
                return await response.json()

    assert (await get("/cgi-bin/token", **{**ok, "appid": "wx0000000000000000"}))["errcode"] == 40013
    assert (await get("/cgi-bin/token", **{**ok, "secret": "f" * 32}))["errcode"] == 40125
    wrong = await get("/cgi-bin/token", **{**ok, "grant_type": "authorization_code"})
    assert wrong["errcode"] == 40002 and " rid: " in wrong["errmsg"]
    token = await get("/cgi-bin/token", **ok)
    assert token["expires_in"] == 7200 and "errcode" not in token
    ticket = await get("/cgi-bin/ticket/getticket", access_token=token["access_token"], type="jsapi")
    assert (ticket["errcode"], ticket["errmsg"], ticket["expires_in"]) == (0, "ok", 7200)
    again = await get("/cgi-bin/ticket/getticket", access_token=token["access_token"], type="jsapi")
    assert again["ticket"] == ticket["ticket"]  # the same ticket while it is valid
    assert (await get("/cgi-bin/ticket/getticket", type="jsapi"))["errcode"] == 41001
    assert (await get("/cgi-bin/ticket/getticket", access_token="nope", type="jsapi"))["errcode"] == 40001
    bad_type = await get("/cgi-bin/ticket/getticket", access_token=token["access_token"], type="x")
    assert bad_type["errcode"] == 40097
    # A new token replaces the old one, which keeps working for five minutes.
    newer = await get("/cgi-bin/token", **ok)
    assert newer["access_token"] != token["access_token"]
    emulator_clock.advance(299)
    assert (await get("/cgi-bin/ticket/getticket", access_token=token["access_token"], type="jsapi"))[
        "errcode"
    ] == 0
    emulator_clock.advance(2)
    old = await get("/cgi-bin/ticket/getticket", access_token=token["access_token"], type="jsapi")
    assert old["errcode"] == 40001
    emulator.wechat.expire_tokens()
    expired = await get("/cgi-bin/ticket/getticket", access_token=newer["access_token"], type="jsapi")
    assert expired["errcode"] == 42001
    # WeCom's own paths on the same emulator stay WeCom's.
    assert (await get("/cgi-bin/gettoken", corpid=corp.corp_id, corpsecret=corp.agent_secret))["errcode"] == 0


async def test_without_an_official_account_nothing_of_the_share_card_exists(plain_client, emulator, visitors):
    app = plain_client.app
    radar = await make_radar(app)
    status, page = await visitors("小林", plain_client).open(staff_link(app, radar), ua=WECHAT_UA)
    assert status == 200 and "data-wechat" in page  # the address-bar fallback stays
    assert "jweixin" not in page and "data-wx" not in page
    response = await plain_client.get("/r/wx/config", params={"url": share_url(page)})
    assert response.status == 404
    assert emulator.wechat.calls["cgi-bin/token"] == 0


async def test_outside_wechat_the_page_loads_no_jweixin(client, visitors):
    app = client.app
    radar = await make_radar(app)
    status, page = await visitors("小林").open(staff_link(app, radar), ua="Mozilla/5.0 (iPhone) Safari")
    assert status == 200 and "jweixin" not in page and "data-wx" not in page


async def test_addresses_that_are_no_radar_page_of_this_server_are_refused(client, visitors, emulator):
    app = client.app
    radar = await make_radar(app)
    own_link = share_url((await visitors("小林").open(staff_link(app, radar), ua=WECHAT_UA))[1])
    token = URL(own_link).path.rsplit("/", 1)[-1]
    for url, reason in (
        (None, "缺少 url"),
        ("", "缺少 url"),
        ("https://evil.example.com/r/" + token, "只能为本站的雷达页面签名"),
        (own_link.replace("127.0.0.1", "127.0.0.1.evil.example.com"), "只能为本站的雷达页面签名"),
        (str(URL(own_link).with_path("/console/")), "只能为本站的雷达页面签名"),
        (own_link[:-3] + "xyz", "不是有效的雷达链接"),
    ):
        status, body = await wx_config(client, url)
        assert (status, body["param"]) == (400, "url"), (url, body)
        assert reason in body["error"]
    assert emulator.wechat.calls["cgi-bin/token"] == 0  # nothing was signed, nothing asked of WeChat
    await Radar.filter(id=radar.id).update(deleted_at=radar.created_at)
    status, body = await wx_config(client, own_link)
    assert status == 404 and "删除" in body["error"]


def _js_api(http, emulator, emulator_server, **overrides) -> WeChatJsApi:
    corp = emulator.corp
    options = {"app_id": corp.wechat_app_id, "app_secret": corp.wechat_app_secret, **overrides}
    return WeChatJsApi(
        http, base_url=str(emulator_server.make_url("/")), token_store=MemoryTokenStore(), **options
    )
