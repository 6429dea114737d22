"""The inbox does not grow forever: handled events (and their dedup keys) are kept inbox.retention_days and
then deleted a small batch at a time; dead events stay until replayed or deleted; /healthz and `scrm inbox`
show the sizes."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from bot.inbox import jobs as inbox_jobs
from bot.inbox.models import InboxEvent
from bot.inbox.worker import InboxWorker
from bot.inbox.writer import utcnow
from bot.jobs import JobContext
from bot.wecom.events import parse_event
from tests.callbacks import contact_event_xml, inbox_counts, post_event
from tests.recording import FAILURES, RECORDING_APPS, event_key, recording_router
from tests.web.test_cli import scrm


def unknown_event_xml(corp_id: str) -> str:
    return (
        f"<xml><ToUserName><![CDATA[{corp_id}]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName>"
        "<CreateTime>1700000999</CreateTime><MsgType><![CDATA[event]]></MsgType>"
        "<Event><![CDATA[batch_job_result]]></Event></xml>"
    )


@pytest.fixture
async def inbox(aiohttp_client, make_settings, crypto, corp):
    """A server with no worker of its own, 12 handled events (one of an unknown type, skipped), one dead and
    one still pending; yields the client and the XML of the events."""
    from sidebar_web.app import create_app

    settings = make_settings(inbox={"max_attempts": 1})
    client = await aiohttp_client(create_app(settings, run_worker=False, extra_model_apps=RECORDING_APPS))
    xmls = [
        contact_event_xml(corp.corp_id, "add_external_contact", "zhangsan", f"wmKeep{n}", 1700000000 + n)
        for n in range(12)
    ]
    xmls[-1] = unknown_event_xml(corp.corp_id)
    for xml in xmls:
        assert (await post_event(client, crypto, xml)).status == 200
    FAILURES[event_key(parse_event(xmls[0]))] = 1
    await InboxWorker(recording_router(), settings.inbox).drain()
    pending = contact_event_xml(corp.corp_id, "del_follow_user", "zhangsan", "wmLater", 1700001000)
    assert (await post_event(client, crypto, pending)).status == 200
    assert await inbox_counts(client) == {"total": 13, "pending": 1, "handled": 11, "dead": 1}
    yield client, xmls


async def test_handled_events_are_kept_retention_days_then_deleted_and_dead_ones_stay(inbox, crypto):
    client, xmls = inbox
    # A WeCom retry while the event is kept is recognised by its dedup key and stored nowhere.
    assert (await post_event(client, crypto, xmls[5])).status == 200
    assert (await inbox_counts(client))["total"] == 13

    now = utcnow()
    assert await inbox_jobs.prune(30, now + timedelta(days=29)) == 0
    assert await inbox_jobs.prune(30, now + timedelta(days=31)) == 11
    assert await inbox_counts(client) == {"total": 2, "pending": 1, "handled": 0, "dead": 1}
    dead = await InboxEvent.get(status="dead")
    assert dead.payload == xmls[0] and "planned failure" in dead.last_error


async def test_pruning_deletes_a_small_batch_per_statement(inbox, caplog):
    with caplog.at_level(logging.DEBUG, logger="tortoise.db_client"):
        assert await inbox_jobs.prune(30, utcnow() + timedelta(days=31), batch=4) == 11
    deletes = [r.getMessage() for r in caplog.records if r.getMessage().lstrip().upper().startswith("DELETE")]
    assert len(deletes) == 3  # 4 + 4 + 3 rows: no statement holds the write lock for the whole backlog


async def test_the_hourly_job_says_what_it_deleted_and_nothing_when_it_deleted_nothing(
    inbox, make_settings, caplog
):
    ctx = JobContext(make_settings(), None)
    with caplog.at_level(logging.INFO):
        await inbox_jobs.prune_inbox(ctx)
        assert caplog.records == []
        long_ago = utcnow() - timedelta(days=40)
        await InboxEvent.filter(status__in=InboxEvent.HANDLED).update(
            next_attempt_at=long_ago, finished_at=long_ago
        )
        await inbox_jobs.prune_inbox(ctx)
    assert [r.getMessage() for r in caplog.records] == [
        "inbox: deleted 11 handled event(s) older than 30 day(s)"
    ]


async def test_scrm_inbox_shows_the_sizes_and_deletes_dead_events_only(inbox, make_settings):
    settings = make_settings()
    listing = scrm(settings, "inbox")
    assert "inbox: 13 stored, 1 pending, 1 dead, 11 handled (kept 30 day(s), then deleted)" in listing.stdout
    pending = await InboxEvent.get(status="pending")
    refused = scrm(settings, "inbox", "delete", str(pending.id))
    assert refused.returncode == 1 and "only dead events" in refused.stdout
    assert scrm(settings, "inbox", "delete").returncode == 2  # neither an id nor --all
    deleted = scrm(settings, "inbox", "delete", "--all")
    assert deleted.returncode == 0 and deleted.stdout.strip() == "deleted 1 dead event(s)"
    assert await inbox_counts(inbox[0]) == {"total": 12, "pending": 1, "handled": 11, "dead": 0}
