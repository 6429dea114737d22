"""The WeCom client against the emulator over real HTTP: tokens, retries, rate limits, paging, errors."""

from __future__ import annotations

import asyncio
import time

import aiohttp
import pytest

from bot.wecom.client import WeComClient
from bot.wecom.emulator import Emulator
from bot.wecom.errors import (
    InvalidCode,
    InvalidParameter,
    NoPermission,
    NoRelation,
    RateLimited,
    SystemBusy,
    TokenError,
    WeComUnavailable,
)
from bot.wecom.ratelimit import RateLimiter
from bot.wecom.tokens import MemoryTokenStore, token_key
from tests.emulator_fixtures import make_client


@pytest.fixture
def seeded(emulator: Emulator) -> Emulator:
    state = emulator.state
    state.add_member("zhangsan", "张三")
    state.add_member("lisi", "李四")
    state.add_customer(
        "王五", follow=["zhangsan", "lisi"], external_userid="wmWANGWU0000000000000000000000AA"
    )
    return emulator


# -- access tokens ------------------------------------------------------------------------------


async def test_token_is_fetched_once_per_secret_and_cached(seeded: Emulator, wecom_client: WeComClient):
    for _ in range(3):
        await wecom_client.get_follow_user_list()
    await wecom_client.get_user("zhangsan")
    await wecom_client.get_user("lisi")

    # One token for the customer-contact secret, one for the app secret, each reused.
    assert seeded.calls["gettoken"] == 2
    assert seeded.calls["externalcontact/get_follow_user_list"] == 3


async def test_token_expiring_mid_run_is_refetched_once_transparently(
    seeded: Emulator, wecom_client: WeComClient
):
    await wecom_client.get_follow_user_list()
    seeded.expire_tokens()

    data = await wecom_client.get_follow_user_list()

    assert sorted(data["follow_user"]) == ["lisi", "zhangsan"]
    assert seeded.calls["gettoken"] == 2
    assert seeded.calls["externalcontact/get_follow_user_list"] == 3  # ok, 42001, ok


async def test_token_close_to_expiry_is_refreshed_before_use(
    seeded: Emulator, wecom_session, emulator_server, corp
):
    store = MemoryTokenStore()
    now = [time.time()]
    client = make_client(wecom_session, emulator_server, corp, token_store=store, clock=lambda: now[0])
    await client.get_follow_user_list()
    now[0] += 7200 - 299  # under 300 s left: refresh before WeCom would say 42001

    await client.get_follow_user_list()

    assert seeded.calls["gettoken"] == 2
    value, expires_at = await store.get(token_key(corp.corp_id, corp.contact_secret))
    assert corp.contact_secret not in token_key(corp.corp_id, corp.contact_secret)
    assert expires_at > now[0] + 300


async def test_failed_early_refresh_keeps_using_the_still_valid_token(
    seeded: Emulator, wecom_session, emulator_server, corp
):
    now = [time.time()]
    client = make_client(wecom_session, emulator_server, corp, max_attempts=2, clock=lambda: now[0])
    await client.get_follow_user_list()
    now[0] += 7200 - 299
    seeded.fail_next("gettoken", -1, times=None)

    assert "zhangsan" in (await client.get_follow_user_list())["follow_user"]
    assert seeded.calls["gettoken"] == 1 + 2


async def test_persistent_42001_ends_in_token_error_after_one_refresh(
    seeded: Emulator, wecom_client: WeComClient
):
    seeded.fail_next("externalcontact/get_follow_user_list", 42001, times=None)

    with pytest.raises(TokenError) as caught:
        await wecom_client.get_follow_user_list()

    assert seeded.calls["externalcontact/get_follow_user_list"] == 2  # first try + one retry, no loop
    assert seeded.calls["gettoken"] == 2
    message = str(caught.value)
    assert "42001" in message and "after a refresh" in message and "check the secret" in message
    for token in seeded.gateway.tokens:
        assert token not in message


async def test_wrong_secret_is_a_token_error_that_never_shows_the_secret(
    seeded: Emulator, wecom_session, emulator_server, corp
):
    client = make_client(wecom_session, emulator_server, corp, contact_secret="not-the-secret-1234567890")

    with pytest.raises(TokenError) as caught:
        await client.get_follow_user_list()

    assert caught.value.errcode == 40001
    assert "check the corp id and the secret" in str(caught.value)
    assert "not-the-secret" not in str(caught.value)


async def test_twenty_parallel_calls_without_a_token_trigger_one_gettoken(
    seeded: Emulator, wecom_client: WeComClient
):
    results = await asyncio.gather(*(wecom_client.get_follow_user_list() for _ in range(20)))

    assert len(results) == 20
    assert seeded.calls["gettoken"] == 1

    seeded.expire_tokens()
    await asyncio.gather(*(wecom_client.get_follow_user_list() for _ in range(20)))
    assert seeded.calls["gettoken"] == 2  # the 20 rejected callers shared one refresh


# -- retries, backoff, rate limits --------------------------------------------------------------


async def test_system_busy_is_retried_then_succeeds(seeded: Emulator, wecom_client: WeComClient):
    seeded.fail_next("externalcontact/list", -1, times=2)

    data = await wecom_client.list_external_contacts("zhangsan")

    assert data["external_userid"] == ["wmWANGWU0000000000000000000000AA"]
    assert seeded.calls["externalcontact/list"] == 3


async def test_system_busy_that_persists_raises_after_max_attempts(
    seeded, wecom_session, emulator_server, corp
):
    client = make_client(wecom_session, emulator_server, corp, max_attempts=3)
    seeded.fail_next("externalcontact/list", -1, times=None)

    with pytest.raises(SystemBusy):
        await client.list_external_contacts("zhangsan")
    assert seeded.calls["externalcontact/list"] == 3


async def test_45009_is_retried_with_backoff_then_raises_rate_limited(
    seeded: Emulator, wecom_session, emulator_server, corp
):
    client = make_client(wecom_session, emulator_server, corp, max_attempts=3, backoff_base=0.02)
    await client.get_follow_user_list()  # token in hand, so only the backoff is timed
    seeded.fail_next("externalcontact/get_follow_user_list", 45009, times=None)

    started = time.monotonic()
    with pytest.raises(RateLimited):
        await client.get_follow_user_list()

    # Two waits: base * 1 and base * 2, each jittered down to at most half.
    assert time.monotonic() - started >= 0.02 * 0.5 + 0.04 * 0.5
    assert seeded.calls["externalcontact/get_follow_user_list"] == 1 + 3


async def test_45009_twice_then_success(seeded: Emulator, wecom_client: WeComClient):
    seeded.fail_next("externalcontact/get_follow_user_list", 45009, times=2)

    data = await wecom_client.get_follow_user_list()

    assert "zhangsan" in data["follow_user"]


async def test_emulator_per_minute_limit_blocks_until_the_minute_passes(
    seeded: Emulator, wecom_client: WeComClient, emulator_clock
):
    seeded.gateway.rate_limit_per_minute = 3
    for _ in range(3):
        await wecom_client.get_follow_user_list()

    with pytest.raises(RateLimited):
        await wecom_client.get_follow_user_list()

    emulator_clock.advance(61)
    assert "lisi" in (await wecom_client.get_follow_user_list())["follow_user"]


async def test_rate_limiter_spaces_calls(seeded: Emulator, wecom_session, emulator_server, corp):
    client = make_client(wecom_session, emulator_server, corp, rate_per_second=20)

    started = time.monotonic()
    await asyncio.gather(*(client.get_follow_user_list() for _ in range(6)))

    # gettoken + 6 calls = 7 slots, 1/20 s apart.
    assert time.monotonic() - started >= 6 * 0.05 * 0.95


def test_rate_limiter_reserves_evenly_spaced_slots():
    now = [100.0]
    limiter = RateLimiter(10, clock=lambda: now[0])

    assert [round(limiter.reserve(), 3) for _ in range(4)] == [0.0, 0.1, 0.2, 0.3]
    now[0] += 10
    assert limiter.reserve() == 0.0


def test_rate_limiter_allows_a_burst_then_spaces():
    limiter = RateLimiter(10, burst=3, clock=lambda: 50.0)

    assert [round(limiter.reserve(), 3) for _ in range(5)] == [0.0, 0.0, 0.0, 0.1, 0.2]


async def test_unreachable_wecom_is_wecom_unavailable(wecom_session, corp, unused_tcp_port):
    port = unused_tcp_port
    client = WeComClient(
        wecom_session,
        base_url=f"http://127.0.0.1:{port}",
        corp_id=corp.corp_id,
        agent_id=corp.agent_id,
        agent_secret=corp.agent_secret,
        contact_secret=corp.contact_secret,
        token_store=MemoryTokenStore(),
    )

    with pytest.raises(WeComUnavailable) as caught:
        await client.get_follow_user_list()

    assert caught.value.path == "gettoken"
    assert corp.contact_secret not in str(caught.value)


async def test_transport_error_message_never_contains_the_access_token(
    seeded: Emulator, wecom_session, emulator_server, corp, unused_tcp_port
):
    store = MemoryTokenStore()
    client = make_client(wecom_session, emulator_server, corp, token_store=store)
    await client.get_follow_user_list()
    dead = make_client(wecom_session, emulator_server, corp, token_store=store)
    dead.base_url = f"http://127.0.0.1:{unused_tcp_port}/cgi-bin"

    with pytest.raises(WeComUnavailable) as caught:
        await dead.get_follow_user_list()

    token, _ = await store.get(token_key(corp.corp_id, corp.contact_secret))
    assert token not in str(caught.value) and token not in repr(caught.value)


# -- paging -------------------------------------------------------------------------------------


async def test_iter_customers_by_user_pages_through_250_customers(
    emulator: Emulator, wecom_client: WeComClient
):
    state = emulator.state
    for userid, count in [("u1", 120), ("u2", 80), ("u3", 50)]:
        state.add_member(userid)
        for _ in range(count):
            state.add_customer(follow=[userid])

    items = [item async for item in wecom_client.iter_customers_by_user(["u1", "u2", "u3"])]

    assert len(items) == 250
    assert len({(i["follow_info"]["userid"], i["external_contact"]["external_userid"]) for i in items}) == 250
    assert emulator.calls["externalcontact/batch/get_by_user"] == 3  # 100 + 100 + 50 by cursor


async def test_iter_customers_by_user_chunks_userids_under_the_tenant_cap(
    emulator: Emulator, wecom_client: WeComClient
):
    state = emulator.state
    state.limits.batch_userid_max = 64  # what some tenants enforce (§3.4)
    userids = [f"m{i:03d}" for i in range(70)]
    for userid in userids:
        state.add_member(userid)
        state.add_customer(follow=[userid])

    items = [item async for item in wecom_client.iter_customers_by_user(userids)]

    assert sorted(i["follow_info"]["userid"] for i in items) == userids
    assert emulator.calls["externalcontact/batch/get_by_user"] == 2


async def test_get_external_contact_merges_follow_user_pages(emulator: Emulator, wecom_client: WeComClient):
    state = emulator.state
    emulator.state.limits.follow_page_size = 2
    userids = [f"s{i}" for i in range(5)]
    for userid in userids:
        state.add_member(userid)
    customer = state.add_customer("李四", follow=userids)

    data = await wecom_client.get_external_contact(customer.external_userid)

    assert [f["userid"] for f in data["follow_user"]] == userids
    assert "next_cursor" not in data
    assert data["external_contact"]["name"] == "李四"
    assert emulator.calls["externalcontact/get"] == 3


async def test_iter_groupchats_follows_cursor(emulator: Emulator, wecom_client: WeComClient):
    emulator.state.add_member("owner")
    chat_ids = {emulator.state.add_group_chat("owner", name=f"群{i}").chat_id for i in range(5)}

    seen = [c["chat_id"] async for c in wecom_client.iter_groupchats(limit=2)]

    assert sorted(seen) == sorted(chat_ids)
    assert emulator.calls["externalcontact/groupchat/list"] == 3


# -- typed errors -------------------------------------------------------------------------------


async def test_errcodes_map_to_typed_errors(seeded: Emulator, wecom_client: WeComClient):
    stranger = seeded.state.add_customer("陌生人")

    with pytest.raises(NoRelation) as no_relation:
        await wecom_client.get_external_contact(stranger.external_userid)
    assert no_relation.value.errcode == 84061

    with pytest.raises(NoRelation):
        await wecom_client.mark_tag("zhangsan", stranger.external_userid, add_tag=["etX"])

    with pytest.raises(NoPermission) as no_permission:
        await wecom_client.batch_get_by_user(["ghost"])
    assert no_permission.value.errcode == 60011

    with pytest.raises(InvalidParameter) as invalid:
        await wecom_client.batch_get_by_user([f"u{i}" for i in range(101)])
    assert invalid.value.errcode == 40058

    with pytest.raises(InvalidParameter) as bad_id:
        await wecom_client.get_external_contact("not-an-external-id")
    assert bad_id.value.errcode == 40096


async def test_member_without_customers_lists_nothing(seeded: Emulator, wecom_client: WeComClient):
    seeded.state.add_member("newbie")

    assert (await wecom_client.list_external_contacts("newbie"))["external_userid"] == []


# -- other endpoints ----------------------------------------------------------------------------


async def test_send_message_fills_in_agentid(seeded: Emulator, wecom_client: WeComClient, corp):
    data = await wecom_client.send_message(
        {"touser": "zhangsan|ghost", "msgtype": "text", "text": {"content": "hi"}}
    )

    assert data["invaliduser"] == "ghost"
    [logged] = seeded.state.messages
    assert logged["payload"]["agentid"] == corp.agent_id
    assert logged["recipients"] == ["zhangsan"]


async def test_jsapi_tickets_are_cached_per_kind(seeded: Emulator, wecom_client: WeComClient):
    corp_ticket = await wecom_client.get_jsapi_ticket()
    agent_ticket = await wecom_client.get_agent_ticket()

    assert await wecom_client.get_jsapi_ticket() == corp_ticket
    assert await wecom_client.get_agent_ticket() == agent_ticket
    assert corp_ticket != agent_ticket
    assert seeded.calls["get_jsapi_ticket"] == 1 and seeded.calls["ticket/get"] == 1


async def test_oauth_code_identifies_the_member_once(seeded: Emulator, wecom_client: WeComClient):
    code = seeded.actions.oauth_login(userid="lisi")["code"]

    assert (await wecom_client.get_user_info_by_code(code))["userid"] == "lisi"
    with pytest.raises(InvalidCode):
        await wecom_client.get_user_info_by_code(code)


async def test_corp_tags_and_remark_round_trip(seeded: Emulator, wecom_client: WeComClient):
    ext = "wmWANGWU0000000000000000000000AA"
    group = (await wecom_client.add_corp_tag(["高意向", "已成交"], group_name="客户等级"))["tag_group"]
    tag_ids = [t["id"] for t in group["tag"]]

    await wecom_client.mark_tag("zhangsan", ext, add_tag=tag_ids)
    await wecom_client.remark("zhangsan", ext, remark="王总", remark_mobiles=["13800000001"])
    await wecom_client.del_corp_tag(tag_ids=[tag_ids[1]])

    data = await wecom_client.get_external_contact(ext)
    [mine] = [f for f in data["follow_user"] if f["userid"] == "zhangsan"]
    assert mine["remark"] == "王总" and mine["remark_mobiles"] == ["13800000001"]
    assert [t["tag_name"] for t in mine["tags"]] == ["高意向"]
    listing = await wecom_client.get_corp_tag_list()
    assert [t["name"] for g in listing["tag_group"] for t in g["tag"]] == ["高意向"]


async def test_client_accepts_aiohttp_session_timeouts(seeded: Emulator, emulator_server, corp):
    async with aiohttp.ClientSession() as session:
        client = make_client(session, emulator_server, corp, request_timeout=5)
        assert (await client.list_departments())["department"][0]["id"] == 1
