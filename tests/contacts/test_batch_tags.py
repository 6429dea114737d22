"""Batch tagging (批量打标签) as a task: every relation marked in WeCom through mark_tag, WeCom's refusals
kept per relation, the creator's scope checked when each item runs, and a killed worker repeats nothing."""

import asyncio
import os
import signal
import subprocess
import sys
from dataclasses import dataclass

import pytest

from bot import runtime
from bot.contacts import batch
from bot.contacts.models import FollowRelation
from bot.contacts.sync import run_sync
from bot.tasks import service
from bot.tasks.kinds import TaskRefused
from bot.tasks.models import TaskItem
from bot.tasks.runner import TaskRunner
from tests.emulator_fixtures import make_client

MARK_TAG = "externalcontact/mark_tag"


@dataclass
class TagCorp:
    settings: object
    emulator: object
    client: object
    gold: str
    silver: str
    relations: list[dict]


@pytest.fixture
async def tag_corp(aiohttp_server, make_settings, emulator, emulator_server, wecom_session, corp):
    from sidebar_web.app import create_app

    settings = make_settings(
        api_base_url=str(emulator_server.make_url("")),
        access={"admins": ("boss",)},
        tasks={"concurrency": 4, "poll_interval": 0.05},
    )
    await aiohttp_server(create_app(settings, run_worker=False))  # the database, migrated and open
    state = emulator.state
    state.add_department(2, "销售部")
    state.add_department(3, "客服部")
    state.add_member("zhangsan", "张三", department=[2])
    state.add_member("lisi", "李四", department=[3])
    group = state.add_tag_group("客户等级", ["金牌", "银牌"])
    gold, silver = (t.id for t in state.tags_of_group(group.group_id))
    for n in range(12):
        state.add_customer(f"客户{n}", follow=[{"userid": "zhangsan", "tag_ids": [silver]}])
    for n in range(6):
        state.add_customer(f"客服客户{n}", follow=["lisi"])
    client = make_client(wecom_session, emulator_server, corp)
    await run_sync(client)
    relations = [
        {"external_userid": e, "userid": u}
        for e, u in await FollowRelation.all().order_by("id").values_list("customer_id", "userid")
    ]
    assert len(relations) == 18
    return TagCorp(settings, emulator, client, gold, silver, relations)


def tags_in_wecom(emulator, relation: dict) -> set[str]:
    return set(emulator.state.follows[(relation["userid"], relation["external_userid"])].tag_ids)


async def test_every_relation_is_tagged_in_wecom_and_refusals_keep_wecoms_error(tag_corp):
    t = tag_corp
    gone = t.relations[0]
    # WeCom ended this relation without telling us: the mirror still lists it.
    del t.emulator.state.follows[(gone["userid"], gone["external_userid"])]
    task = await service.create_task(
        batch.BATCH_TAG, {"add": [t.gold], "remove": [t.silver]}, t.relations, creator="boss"
    )
    await TaskRunner(runtime.task_kinds(), t.settings, t.client).drain()

    for relation in t.relations[1:]:
        assert tags_in_wecom(t.emulator, relation) == {t.gold}
    task = await service.get_task(task.id)
    assert (task.status, task.total, task.done, task.failed, task.skipped) == ("done", 18, 17, 1, 0)
    (failure,) = await service.failed_items(task.id)
    assert failure.key == gone and failure.error_code == 84061
    assert t.emulator.calls[MARK_TAG] == 18
    # The mirror followed WeCom (WeCom sends no callback for API changes).
    kept = await FollowRelation.get(
        customer_id=t.relations[1]["external_userid"], userid=t.relations[1]["userid"]
    )
    assert kept.tag_ids == [t.gold]


async def test_relations_outside_the_creators_scope_are_skipped_when_the_item_runs(tag_corp):
    t = tag_corp
    task = await service.create_task(batch.BATCH_TAG, {"add": [t.gold]}, t.relations, creator="zhangsan")
    await TaskRunner(runtime.task_kinds(), t.settings, t.client).drain()
    task = await service.get_task(task.id)
    assert (task.done, task.failed, task.skipped) == (12, 0, 6)
    for relation in t.relations:
        tagged = t.gold in tags_in_wecom(t.emulator, relation)
        assert tagged == (relation["userid"] == "zhangsan")
    reasons = await TaskItem.filter(task_id=task.id, status="skipped").values_list("error", flat=True)
    assert set(reasons) == {batch.OUT_OF_SCOPE}


async def test_bad_tag_parameters_are_refused_in_chinese(tag_corp):
    t = tag_corp
    with pytest.raises(TaskRefused, match="至少选择一个"):
        await service.create_task(batch.BATCH_TAG, {"add": [], "remove": []}, t.relations, creator="boss")
    with pytest.raises(TaskRefused, match="既添加又移除"):
        await service.create_task(
            batch.BATCH_TAG, {"add": [t.gold], "remove": [t.gold]}, t.relations, creator="boss"
        )
    with pytest.raises(TaskRefused, match="标签参数有误"):
        await service.create_task(batch.BATCH_TAG, {"add": "金牌"}, t.relations, creator="boss")


async def _done_at_least(task_id: int, n: int) -> None:
    async with asyncio.timeout(30):
        while (await service.get_task(task_id)).done < n:  # noqa: ASYNC110 - another process does the work
            await asyncio.sleep(0.02)


async def test_a_killed_worker_resumes_without_marking_any_relation_twice(tag_corp, corp, tmp_path):
    t = tag_corp
    more = [
        t.emulator.state.add_customer(f"新客户{n}", follow=["zhangsan"]).external_userid for n in range(42)
    ]
    await run_sync(t.client)
    relations = [*t.relations, *({"external_userid": e, "userid": "zhangsan"} for e in more)]
    task = await service.create_task(batch.BATCH_TAG, {"add": [t.gold]}, relations, creator="")
    env = {
        **os.environ,
        "SCRM_DATA__DIR": t.settings.data.dir,
        "SCRM_DATABASE__URL": t.settings.database.url,
        "SCRM_WECOM__CORP_ID": corp.corp_id,
        "SCRM_WECOM__AGENT_ID": str(corp.agent_id),
        "SCRM_WECOM__AGENT_SECRET": corp.agent_secret,
        "SCRM_WECOM__CONTACT_SECRET": corp.contact_secret,
        "SCRM_WECOM__API_BASE_URL": t.settings.wecom.api_base_url,
        "SCRM_WECOM__RATE_PER_SECOND": "40",  # two calls an item: about 20 items a second
        "SCRM_TASKS__LEASE_SECONDS": "1",
        "SCRM_TASKS__POLL_INTERVAL": "0.05",
        "SCRM_TASKS__CONCURRENCY": "4",
    }
    with open(tmp_path / "worker.log", "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "tests.contacts.batch_worker_proc"], env=env, stdout=log, stderr=log
        )
        try:
            await _done_at_least(task.id, 15)
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=10)
    assert (await service.get_task(task.id)).done < 60, "killed half way"
    await asyncio.sleep(1.1)  # the dead worker's lease runs out
    await TaskRunner(runtime.task_kinds(), t.settings, t.client).drain()

    task = await service.get_task(task.id)
    assert (task.status, task.done, task.failed, task.skipped) == ("done", 60, 0, 0)
    assert all(t.gold in tags_in_wecom(t.emulator, r) for r in relations)
    assert t.emulator.calls[MARK_TAG] == 60, "no relation was marked twice"
