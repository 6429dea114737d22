"""The inbox worker: order per customer, retries with backoff, dead letters, and nothing lost on a crash."""

import asyncio
import os
import signal
import subprocess
import sys
from collections import Counter

from bot.inbox import writer as inbox
from bot.inbox.models import InboxEvent
from bot.inbox.worker import InboxWorker
from bot.settings import Settings
from bot.store import db
from bot.wecom.events import parse_event
from tests.callbacks import contact_event_xml, post_event
from tests.recording import FAILURES, HandlerRun, event_key, recording_router, slow_recording_router


async def wait_until(predicate, timeout: float = 15.0):
    deadline = asyncio.get_running_loop().time() + timeout
    while not await predicate():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.02)


async def store_events(server, crypto, corp, count: int, customers: int = 5) -> list[str]:
    xmls = [
        contact_event_xml(
            corp.corp_id, "edit_external_contact", "zhangsan", f"wmC{i % customers}", 1700000000 + i
        )
        for i in range(count)
    ]
    for xml in xmls:
        assert (await post_event(server, crypto, xml)).status == 200
    return xmls


async def all_done() -> bool:
    return (await inbox.counts()).pending == 0


async def test_every_event_is_handled_once_in_customer_order(server, crypto, corp):
    await store_events(server, crypto, corp, 40)
    await wait_until(all_done)
    runs = await HandlerRun.all().order_by("id")
    assert len(runs) == 40
    for customer in {r.partition_key for r in runs}:
        times = [r.create_time for r in runs if r.partition_key == customer]
        assert times == sorted(times)
    assert await InboxEvent.filter(status="done").count() == 40


async def test_a_failing_event_is_retried_and_holds_back_only_its_own_customer(
    make_settings, aiohttp_client, crypto, corp
):
    from sidebar_web.app import create_app
    from tests.recording import RECORDING_APPS

    settings = make_settings(inbox={"retry_base_delay": 0.2})
    server = await aiohttp_client(create_app(settings, run_worker=False, extra_model_apps=RECORDING_APPS))
    first = contact_event_xml(corp.corp_id, "edit_external_contact", "zhangsan", "wmSlow", 1700000001)
    second = contact_event_xml(corp.corp_id, "edit_external_contact", "zhangsan", "wmSlow", 1700000002)
    other = contact_event_xml(corp.corp_id, "edit_external_contact", "zhangsan", "wmOther", 1700000003)
    FAILURES[event_key(parse_event(first))] = 2
    for xml in (first, second, other):
        await post_event(server, crypto, xml)
    worker = InboxWorker(recording_router(), settings.inbox, postgres=db.is_postgres(settings.database_url))
    await worker.start()
    try:
        await wait_until(all_done)
    finally:
        await worker.stop()
    runs = [r.event_key for r in await HandlerRun.all().order_by("id")]
    assert runs.index(event_key(parse_event(first))) < runs.index(event_key(parse_event(second)))
    assert runs[0] == event_key(parse_event(other)), "another customer did not wait for the retries"
    row = await InboxEvent.get(payload=first)
    assert (row.status, row.attempts, row.last_error) == ("done", 3, "")


async def test_an_event_that_keeps_failing_is_dead_with_its_error_and_can_be_replayed(
    make_settings, aiohttp_client, crypto, corp
):
    from sidebar_web.app import create_app
    from tests.recording import RECORDING_APPS

    settings = make_settings(inbox={"max_attempts": 3})
    server = await aiohttp_client(
        create_app(settings, router=recording_router(), extra_model_apps=RECORDING_APPS)
    )
    xml = contact_event_xml(corp.corp_id, "del_follow_user", "zhangsan", "wmDead", 1700000001)
    FAILURES[event_key(parse_event(xml))] = 3
    await post_event(server, crypto, xml)
    await wait_until(all_done)
    row = await InboxEvent.get(payload=xml)
    assert (row.status, row.attempts) == ("dead", 3)
    assert row.last_error == "RuntimeError: planned failure for " + event_key(parse_event(xml))
    assert (await (await server.get("/healthz")).json())["inbox"]["dead"] == 1
    assert await inbox.replay() == 1
    await wait_until(lambda: InboxEvent.filter(payload=xml, status="done").exists())
    assert await HandlerRun.filter(event_key=event_key(parse_event(xml))).count() == 1


async def test_unknown_events_are_stored_and_skipped(server, crypto, corp):
    xml = (
        f"<xml><ToUserName>{corp.corp_id}</ToUserName><FromUserName>sys</FromUserName>"
        "<CreateTime>1700000000</CreateTime><MsgType>event</MsgType><Event>change_future_thing</Event></xml>"
    )
    assert (await post_event(server, crypto, xml)).status == 200
    await wait_until(all_done)
    assert (await InboxEvent.get(payload=xml)).status == "skipped"
    assert await HandlerRun.all().count() == 0


async def test_a_worker_cancelled_mid_drain_loses_nothing_and_repeats_nothing(
    make_settings, aiohttp_client, crypto, corp
):
    from sidebar_web.app import create_app
    from tests.recording import RECORDING_APPS

    settings = make_settings()
    server = await aiohttp_client(create_app(settings, run_worker=False, extra_model_apps=RECORDING_APPS))
    await store_events(server, crypto, corp, 60, customers=60)
    worker = InboxWorker(
        slow_recording_router(0.05), settings.inbox, postgres=db.is_postgres(settings.database_url)
    )
    await worker.start()
    await wait_until(lambda: _at_least(10))
    await worker.stop()  # cancels handlers in flight: their transactions roll back
    stopped_at = await HandlerRun.all().count()
    assert stopped_at < 60
    assert await InboxEvent.filter(status="running").count() == 0, "a clean stop hands its claims back"
    again = InboxWorker(
        slow_recording_router(0.0), settings.inbox, postgres=db.is_postgres(settings.database_url)
    )
    await again.drain()
    keys = [r.event_key for r in await HandlerRun.all()]
    assert len(keys) == 60 and max(Counter(keys).values()) == 1


async def _at_least(n: int) -> bool:
    return await HandlerRun.all().count() >= n


async def test_a_killed_worker_process_loses_nothing_and_repeats_nothing(
    make_settings, aiohttp_client, crypto, corp, tmp_path
):
    from sidebar_web.app import create_app
    from tests.recording import RECORDING_APPS

    settings: Settings = make_settings(inbox={"lease_seconds": 1.0, "concurrency": 4})
    server = await aiohttp_client(create_app(settings, run_worker=False, extra_model_apps=RECORDING_APPS))
    await store_events(server, crypto, corp, 80, customers=20)
    env = {
        **os.environ,
        "SCRM_DATA__DIR": settings.data.dir,
        "SCRM_DATABASE__URL": settings.database.url,
        "SCRM_INBOX__LEASE_SECONDS": "1",
        "SCRM_INBOX__POLL_INTERVAL": "0.02",
        "SCRM_INBOX__CONCURRENCY": "4",
        "HANDLER_DELAY": "0.05",
    }
    with open(tmp_path / "worker.log", "wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", "tests.worker_proc"], env=env, stdout=log, stderr=log)
        try:
            await wait_until(lambda: _at_least(15), timeout=30)
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=10)
    assert await HandlerRun.filter(pid=proc.pid).count() < 80
    await asyncio.sleep(1.1)  # the dead worker's lease runs out
    again = InboxWorker(recording_router(), settings.inbox, postgres=db.is_postgres(settings.database_url))
    await again.drain()
    keys = [r.event_key for r in await HandlerRun.all()]
    assert len(keys) == 80 and max(Counter(keys).values()) == 1
    assert await InboxEvent.filter(status="done").count() == 80
