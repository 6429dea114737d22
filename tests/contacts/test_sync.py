"""Full sync and reconciliation: the mirror equals WeCom after a sync, an interrupted sync resumes where it
stopped, a dropped callback is repaired by reconciliation, an empty mirror syncs itself, one at a time."""

import asyncio
import logging
import math
from datetime import UTC, datetime, timedelta

import pytest

from bot.contacts import sync, timeline
from bot.contacts.jobs import reconcile
from bot.contacts.models import Customer, FollowRelation, SyncRun, TimelineEvent
from bot.jobs import JobContext
from bot.settings import SettingsError, load
from bot.wecom.errors import NoPermission
from tests.conftest import settled
from tests.emulator_fixtures import make_client
from tests.sync_corp import build_corp, expected, mirrored

BATCH = "externalcontact/batch/get_by_user"


@pytest.fixture
def client(emulator_server, corp, wecom_session):
    return make_client(wecom_session, emulator_server, corp)


async def test_a_full_sync_mirrors_5000_customers_with_relations_tags_groups_and_directory(
    live_database, emulator, client
):
    build_corp(emulator.state, customers=5000, staff=12, groups=10)
    result = await sync.run_sync(client)
    assert await mirrored() == expected(emulator.state)
    relations = len(emulator.state.follows)
    assert (result.changes["customers_added"], result.changes["relations_added"]) == (5000, relations)
    assert result.changes["group_joins"] == sum(len(c.members) for c in emulator.state.group_chats.values())
    # batch/get_by_user names tag ids only: the timeline names them from the tag mirror.
    tagged = next(f for f in emulator.state.follows.values() if f.tag_ids)
    added = await TimelineEvent.filter(external_userid=tagged.external_userid, type=timeline.ADDED).first()
    assert added.payload["source"] == "sync"
    # One page of 100 records per call: the whole corp in ceil(relations / 100) calls (one chunk of users).
    assert emulator.calls[BATCH] == math.ceil(relations / 100)

    again = await sync.run_sync(client)
    assert (again.total, again.describe()) == (0, "0 changes"), "an unchanged corp shows no drift"


async def test_an_interrupted_sync_resumes_after_its_last_page_without_reading_earlier_pages(
    live_database, emulator, client
):
    build_corp(emulator.state, customers=1000, staff=3)
    pages = math.ceil(len(emulator.state.follows) / 100)

    def fail_midway(p: sync.Progress) -> None:
        if p.phase == "customers" and p.done == 400:
            emulator.fail_next(BATCH, 60011)  # WeCom refuses the next page

    with pytest.raises(NoPermission):
        await sync.run_sync(client, progress=fail_midway)
    stopped = await SyncRun.get()
    assert (stopped.status, stopped.phase, stopped.lock) == ("failed", "customers", None)
    read_before = emulator.calls[BATCH]
    assert 4 <= read_before - 1 < pages  # some pages applied, then the failed call

    result = await sync.run_sync(client)
    assert result.resumed and result.run_id == stopped.id
    assert emulator.calls[BATCH] == pages + 1, "every page read once, plus the refused call"
    assert emulator.calls["externalcontact/get_follow_user_list"] == 1
    assert await mirrored() == expected(emulator.state)
    assert result.changes["customers_added"] == 1000
    assert await TimelineEvent.filter(type=timeline.ADDED).count() == len(emulator.state.follows)


async def test_a_dropped_callback_is_repaired_by_reconciliation_which_logs_the_drift(
    mirror, make_settings, emulator_server, corp, wecom_session, caplog
):
    emu = mirror
    emu.state.add_member("zhangsan", "张三")
    emu.state.add_member("lisi", "李四")
    kept = emu.actions.customer_adds_member("zhangsan")["external_userid"]
    shared = emu.actions.customer_adds_member("zhangsan")["external_userid"]
    emu.actions.customer_adds_member("lisi", shared)
    emu.actions.customer_deletes_member("zhangsan", kept)  # lost: WeCom still lists it
    await settled(emu)
    client = make_client(wecom_session, emulator_server, corp)
    await sync.run_sync(client)  # the mirror starts right

    emu.callbacks.drop_rate = 1.0  # WeCom loses these callbacks
    emu.actions.member_deletes_customer("lisi", shared)
    newcomer = emu.actions.customer_adds_member("lisi")["external_userid"]
    emu.callbacks.drop_rate = 0.0
    await settled(emu)
    assert (await FollowRelation.get(customer_id=shared, userid="lisi")).status == "active"
    assert not await Customer.exists(external_userid=newcomer)

    caplog.set_level(logging.INFO, logger="bot.contacts.jobs")
    await reconcile(JobContext(make_settings(), client))
    assert "reconciliation: 3 changes (1 customer added, 1 relation added, 1 relation ended)" in caplog.text
    assert (await FollowRelation.get(customer_id=shared, userid="lisi")).status == "deleted"
    assert (await FollowRelation.get(customer_id=newcomer, userid="lisi")).status == "active"
    # The lost relation stays lost: WeCom lists it as added before the loss, and the customer is still lost.
    assert (await FollowRelation.get(customer_id=kept, userid="zhangsan")).status == "lost"
    assert (await Customer.get(external_userid=kept)).lost


async def test_the_worker_syncs_an_empty_mirror_in_the_background_once(
    aiohttp_server, make_settings, emulator, emulator_server
):
    from sidebar_web.app import create_app

    build_corp(emulator.state, customers=300, staff=4, groups=2)
    settings = make_settings(api_base_url=str(emulator_server.make_url("")), sync={"auto_when_empty": True})
    server = await aiohttp_server(create_app(settings))
    for _ in range(500):
        if await SyncRun.filter(status="done").exists():
            break
        await asyncio.sleep(0.02)
    run = await SyncRun.get()
    assert (run.trigger, run.status) == ("auto", "done")
    assert await mirrored() == expected(emulator.state)
    await server.close()

    await aiohttp_server(create_app(settings))  # a restart finds a mirror with data: no second sync
    await asyncio.sleep(0.2)
    assert await SyncRun.all().count() == 1


async def test_only_one_sync_runs_at_a_time_and_a_silent_one_is_taken_over(live_database, emulator, client):
    build_corp(emulator.state, customers=200, staff=2)
    outcomes = await asyncio.gather(sync.run_sync(client), sync.run_sync(client), return_exceptions=True)
    refused = [o for o in outcomes if isinstance(o, sync.SyncBusy)]
    assert len(refused) == 1 and sum(isinstance(o, sync.SyncResult) for o in outcomes) == 1
    assert "already running" in str(refused[0]) or "just started" in str(refused[0])

    # Another process holds a run with a fresh heartbeat: refused, naming it.
    now = datetime.now(UTC)
    other = await SyncRun.create(
        trigger="cli", lock="sync", phase="customers", started_at=now, heartbeat_at=now
    )
    with pytest.raises(sync.SyncBusy, match=f"a sync is already running \\(run {other.id}, .*customers"):
        await sync.run_sync(client)
    # Its process died: once the heartbeat is older than stale_after, the next sync resumes that run.
    await SyncRun.filter(id=other.id).update(heartbeat_at=now - timedelta(seconds=300))
    result = await sync.run_sync(client, stale_after=120)
    assert result.resumed and result.run_id == other.id


def test_a_malformed_reconciliation_schedule_is_refused_at_start_up():
    with pytest.raises(SettingsError, match=r"^setting sync.reconcile_cron \(SCRM_SYNC__RECONCILE_CRON\)"):
        load(env={"SCRM_SYNC__RECONCILE_CRON": "every night"})


async def scrm_sync(settings, *args: str, **env: str):
    """`scrm sync ARGS` as a user runs it, while this test's event loop serves the emulator."""
    import os
    import sys

    w = settings.wecom
    environ = {
        **{k: v for k, v in os.environ.items() if not k.startswith("SCRM_")},
        "SCRM_DATA__DIR": settings.data.dir,
        "SCRM_DATABASE__URL": settings.database.url,
        "SCRM_WECOM__CORP_ID": w.corp_id,
        "SCRM_WECOM__AGENT_SECRET": w.agent_secret,
        "SCRM_WECOM__CONTACT_SECRET": w.contact_secret,
        "SCRM_WECOM__API_BASE_URL": w.api_base_url,
        **env,
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "sidebar_web.cli", "sync", *args, env=environ,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    return proc.returncode, out.decode(), err.decode()


async def test_scrm_sync_draws_progress_resumes_or_restarts_and_names_a_missing_setting(
    make_settings, emulator, emulator_server
):
    build_corp(emulator.state, customers=400, staff=3, groups=2)
    settings = make_settings(api_base_url=str(emulator_server.make_url("")))
    emulator.fail_next(BATCH, 60011)  # WeCom refuses the first page
    code, _, err = await scrm_sync(settings)
    assert code == 1 and "sync stopped: " in err and "`scrm sync` resumes it" in err

    code, out, err = await scrm_sync(settings)
    assert code == 0, err
    state = emulator.state
    relations, joins = len(state.follows), sum(len(c.members) for c in state.group_chats.values())
    assert out.strip() == (
        f"sync resumed and finished (run 1): {3 + 3 + 4 + 400 + relations + 2 + joins} changes ("
        "3 departments changed, 3 members added or changed, 4 tags or tag groups changed, "
        f"400 customers added, {relations} relations added, 2 groups added, {joins} group joins)"
    )
    assert "customers" in err and "items" in err, "tqdm draws a bar per phase on stderr"

    code, out, _ = await scrm_sync(settings, "--restart")
    assert (code, out.strip()) == (0, "sync finished (run 2): 0 changes")

    code, out, err = await scrm_sync(settings, SCRM_WECOM__CONTACT_SECRET="")
    assert code == 2 and out == ""
    assert err.strip() == (
        "scrm: setting wecom.contact_secret (SCRM_WECOM__CONTACT_SECRET): "
        "is required to read the directory and customers from WeCom"
    )


async def test_groups_are_listed_per_owner_when_the_app_sees_over_1000_members(
    live_database, emulator, client
):
    from bot.contacts.models import GroupChat

    build_corp(emulator.state, customers=50, staff=3, groups=3)
    for i in range(1000):
        emulator.state.add_member(f"extra{i:04d}", department=[2])
    long_ago = datetime(2024, 1, 1, tzinfo=UTC)
    await GroupChat.create(chat_id="wrStaffGone", owner="staff01", synced_at=long_ago)
    await GroupChat.create(chat_id="wrOwnerLeft", owner="departed", synced_at=long_ago)

    await sync.run_sync(client)
    mirror = await mirrored()
    assert {k: v for k, v in mirror.items() if k != "groups"} == {
        k: v for k, v in expected(emulator.state).items() if k != "groups"
    }
    # WeCom refused the unfiltered list once (81017), then 1003 members were asked about 100 at a time.
    assert emulator.calls["externalcontact/groupchat/list"] == 1 + 11
    assert (await GroupChat.get(chat_id="wrStaffGone")).dismissed, "an asked-about owner's group WeCom lacks"
    # A group whose owner left cannot be listed per owner at all: absent from the list proves nothing.
    assert not (await GroupChat.get(chat_id="wrOwnerLeft")).dismissed
    assert mirror["groups"] == {**expected(emulator.state)["groups"], "wrOwnerLeft": ("", "departed")}
