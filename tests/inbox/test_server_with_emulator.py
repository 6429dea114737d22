"""The server and the emulator over real HTTP: WeCom's deliveries, retries, duplicates and reordering."""

import asyncio
import random
from collections import Counter

import pytest

from bot.inbox.models import InboxEvent
from bot.wecom.emulator import Emulator
from sidebar_web.app import create_app
from tests.callbacks import contact_event_xml
from tests.recording import RECORDING_APPS, HandlerRun, recording_router


@pytest.fixture
async def live_server(aiohttp_server, settings):
    """Our server on a real port, without its worker: tests drain the inbox when they choose."""
    return await aiohttp_server(create_app(settings, run_worker=False, extra_model_apps=RECORDING_APPS))


async def test_the_emulator_verifies_our_callback_url_like_wecom(live_server, emulator):
    await emulator.callbacks.configure(str(live_server.make_url("/wecom/callback")))
    assert emulator.callbacks.url.endswith("/wecom/callback")


async def test_a_user_action_reaches_the_inbox_as_its_event(live_server, emulator):
    emulator.state.add_member("zhangsan", name="张三", department=[1])
    await emulator.callbacks.configure(str(live_server.make_url("/wecom/callback")))
    result = emulator.actions.customer_adds_member("zhangsan", state="spring-fair")
    await emulator.callbacks.drain()
    row = await InboxEvent.get(event="change_external_contact")
    assert row.change_type == "add_external_contact"
    assert row.partition_key == f"customer:{result['external_userid']}"
    assert "<State><![CDATA[spring-fair]]></State>" in row.payload


async def test_a_delivery_repeated_four_times_lands_once(live_server, emulator, corp):
    await emulator.callbacks.configure(str(live_server.make_url("/wecom/callback")))
    xml = contact_event_xml(corp.corp_id, "add_external_contact", "zhangsan", "wmFourTimes", 1700000000)
    for _ in range(4):
        emulator.callbacks.send(xml)
    await emulator.callbacks.drain()
    delivered = [r for r in emulator.callbacks.log if r.outcome == "ok"]
    assert len(delivered) == 4 and {r.status for r in delivered} == {200}
    assert await InboxEvent.all().count() == 1


async def test_a_burst_with_duplicates_and_reordering_gives_each_event_once_in_customer_order(
    aiohttp_server, settings, corp, emulator_clock
):
    server = await aiohttp_server(create_app(settings, run_worker=False, extra_model_apps=RECORDING_APPS))
    emulator = Emulator(corp, clock=emulator_clock, duplicate_rate=0.3, reorder_rate=0.1, seed=20261123)
    await emulator.callbacks.configure(str(server.make_url("/wecom/callback")))
    rng = random.Random(5)
    sent = []
    for i in range(1000):
        customer = f"wmBurst{rng.randrange(40):02d}"
        change = rng.choice(["add_external_contact", "edit_external_contact", "del_follow_user"])
        sent.append(contact_event_xml(corp.corp_id, change, "zhangsan", customer, 1700000000 + i))
        emulator.callbacks.send(sent[-1])
    await emulator.callbacks.drain()
    await emulator.close()
    stats = emulator.callbacks.stats
    assert stats["duplicated"] > 250 and stats["reordered"] > 50, stats
    assert await InboxEvent.all().count() == 1000

    from bot.inbox.worker import InboxWorker
    from bot.store import db

    worker = InboxWorker(recording_router(), settings.inbox, postgres=db.is_postgres(settings.database_url))
    await worker.drain()
    runs = await HandlerRun.all().order_by("id")
    assert len(runs) == 1000 and max(Counter(r.event_key for r in runs).values()) == 1
    for customer in {r.partition_key for r in runs}:
        times = [r.create_time for r in runs if r.partition_key == customer]
        assert times == sorted(times), f"{customer} handled out of order"


async def test_a_server_that_is_down_gets_the_event_on_a_retry(
    aiohttp_server, settings, corp, emulator_clock
):
    app = create_app(settings, run_worker=False)
    server = await aiohttp_server(app)
    emulator = Emulator(corp, clock=emulator_clock, retries=3, retry_delay=0.3)
    await emulator.callbacks.configure(str(server.make_url("/wecom/callback")))
    port = server.port
    await server.close()
    emulator.callbacks.send(
        contact_event_xml(corp.corp_id, "del_follow_user", "zhangsan", "wmRetry", 1700000000)
    )
    await asyncio.sleep(0.1)  # the first attempt fails: nobody listens
    again = await aiohttp_server(create_app(settings, run_worker=False), port=port)
    await emulator.callbacks.drain()
    await emulator.close()
    outcomes = [r.outcome for r in emulator.callbacks.log]
    assert outcomes[0] != "ok" and outcomes[-1] == "ok", outcomes
    assert await InboxEvent.filter(change_type="del_follow_user").count() == 1
    await again.close()


async def test_processes_share_one_access_token_through_the_database(
    live_server, emulator, emulator_server, wecom_session, corp
):
    from bot.store.tokens import DbTokenStore
    from bot.wecom.errors import TokenError
    from tests.emulator_fixtures import make_client

    emulator.state.add_member("zhangsan", name="张三", department=[1])
    emulator.state.add_customer("李四", follow=["zhangsan"])
    first = make_client(wecom_session, emulator_server, corp, token_store=DbTokenStore())
    second = make_client(wecom_session, emulator_server, corp, token_store=DbTokenStore())
    assert (await first.get_follow_user_list())["follow_user"] == ["zhangsan"]
    await second.get_follow_user_list()
    assert emulator.calls["gettoken"] == 1, "the second process reused the stored token"

    emulator.expire_tokens()  # WeCom may end a token early: 42001 on the next call
    assert (await second.get_follow_user_list())["follow_user"] == ["zhangsan"]
    assert emulator.calls["gettoken"] == 2
    await first.get_follow_user_list()
    assert emulator.calls["gettoken"] == 2, "the refreshed token reached the other process too"

    emulator.fail_next("externalcontact/get_follow_user_list", 42001, times=None)
    before = emulator.calls["externalcontact/get_follow_user_list"]
    with pytest.raises(TokenError) as err:
        await first.get_follow_user_list()
    assert "42001" in str(err.value) and "check the secret" in str(err.value)
    assert emulator.calls["externalcontact/get_follow_user_list"] - before == 2, "one refresh, then it stops"
    assert corp.contact_secret not in str(err.value)
