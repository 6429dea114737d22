"""The task runner: exact counts, failures kept with WeCom's error, cancel between items, fair interleaving,
and items a dead runner left behind checked before they run again."""

import asyncio
from datetime import timedelta

import pytest

from bot.tasks import service
from bot.tasks.kinds import DONE, ItemFailed, Kind, Registry, TaskRefused, skipped
from bot.tasks.models import Task, TaskItem
from bot.tasks.runner import CONFIRMED, INTERRUPTED, TaskRunner
from bot.wecom.errors import error_for

RUNS: list[tuple[int, str]] = []  # (task id, item name) in the order items ran


async def run_item(ctx, item, params):
    RUNS.append((ctx.task_id, item["name"]))
    await asyncio.sleep(params.get("delay", 0))
    if item["name"].startswith("bad"):
        raise error_for(84061, "not external contact", "externalcontact/mark_tag")
    if item["name"].startswith("boom"):
        raise ItemFailed("标签已被删除")
    if item["name"].startswith("skip"):
        return skipped("创建人已无权查看这位客户，未执行。")
    return DONE


async def already_done(ctx, item, params):
    return item["name"].startswith("took")


PLAIN = Kind("test.plain", "测试", run_item, check_item=already_done, item_fields=("name",))
UNCHECKED = Kind("test.unchecked", "测试（不可核对）", run_item, item_fields=("name",))
KINDS = Registry([PLAIN, UNCHECKED])


@pytest.fixture(autouse=True)
def _fresh_runs():
    RUNS.clear()


def runner(settings, **tasks) -> TaskRunner:
    settings = settings.replace(tasks={"concurrency": 2, "poll_interval": 0.02, **tasks})
    return TaskRunner(KINDS, settings, wecom=None)


async def ran(n: int) -> None:
    async with asyncio.timeout(10):
        while len(RUNS) < n:  # noqa: ASYNC110 - the runner's items append to RUNS; nothing to wait on
            await asyncio.sleep(0.01)


def items(*names: str) -> list[dict]:
    return [{"name": n} for n in names]


async def test_every_item_runs_once_and_the_counts_add_up(live_database, settings):
    task = await service.create_task(
        PLAIN, {}, items("a", "b", "bad1", "boom", "skip1", "c", "a"), creator="zhangsan"
    )
    assert task.total == 6, "the same item given twice runs once"
    await runner(settings).drain()
    task = await service.get_task(task.id)
    assert (task.status, task.done, task.failed, task.skipped) == ("done", 3, 2, 1)
    assert task.started_at and task.finished_at
    assert sorted(name for _, name in RUNS) == ["a", "b", "bad1", "boom", "c", "skip1"]
    failures = [(i.key["name"], i.error_code, i.error) for i in await service.failed_items(task.id)]
    assert failures == [("bad1", 84061, "not external contact"), ("boom", None, "标签已被删除")]
    skip = await TaskItem.get(task_id=task.id, status="skipped")
    assert skip.error == "创建人已无权查看这位客户，未执行。"


async def test_a_task_with_nothing_to_do_or_bad_items_is_refused(live_database):
    with pytest.raises(TaskRefused, match="没有符合条件"):
        await service.create_task(PLAIN, {}, [], creator="zhangsan")
    with pytest.raises(TaskRefused, match="缺少必要信息"):
        await service.create_task(PLAIN, {}, [{"other": "x"}], creator="zhangsan")
    assert await Task.all().count() == 0


async def test_cancel_stops_the_task_between_items(live_database, settings):
    task = await service.create_task(
        PLAIN, {"delay": 0.02}, items(*(f"i{n}" for n in range(60))), creator="zhangsan"
    )
    run = runner(settings)
    await run.start()
    try:
        await ran(6)
        cancelled = await service.cancel_task(task.id, by="lisi")
        started = len(RUNS)
        await asyncio.sleep(0.3)
    finally:
        await run.stop()
    assert (cancelled.status, cancelled.cancelled_by) == ("cancelled", "lisi")
    assert len(RUNS) <= started + 2, "at most the items already running finish"
    task = await service.get_task(task.id)
    assert task.status == "cancelled" and task.done == len(RUNS) < 60
    assert await TaskItem.filter(task_id=task.id, status="running").count() == 0
    with pytest.raises(TaskRefused, match="已取消"):
        await service.cancel_task(task.id, by="lisi")


async def test_two_tasks_run_interleaved(live_database, settings):
    first = await service.create_task(PLAIN, {}, items(*(f"a{n}" for n in range(20))), creator="zhangsan")
    second = await service.create_task(PLAIN, {}, items(*(f"b{n}" for n in range(20))), creator="lisi")
    await runner(settings).drain()
    order = [task_id for task_id, _ in RUNS]
    assert len(order) == 40
    assert set(order[:10]) == {first.id, second.id}, "the second task does not wait for the first"
    assert {(await service.get_task(t.id)).done for t in (first, second)} == {20}


async def test_items_a_dead_runner_held_are_checked_not_repeated(live_database, settings):
    task = await service.create_task(PLAIN, {}, items("took1", "lost1", "fresh"), creator="zhangsan")
    other = await service.create_task(UNCHECKED, {}, items("x"), creator="zhangsan")
    past = service.utcnow() - timedelta(minutes=5)
    # A runner claimed these and died: its lease ran out; "took1" had taken effect, "lost1" had not.
    for t in (task, other):
        await (
            TaskItem.filter(task_id=t.id)
            .exclude(ordinal=2)
            .update(status="running", claimed_by="dead:1", lease_until=past, attempts=1)
        )
    await runner(settings).drain()
    assert sorted(name for _, name in RUNS) == ["fresh", "lost1"], "what took effect is not run again"
    took = await TaskItem.get(task_id=task.id, ordinal=0)
    assert (took.status, took.error) == ("done", CONFIRMED)
    unchecked = await TaskItem.get(task_id=other.id)
    assert (unchecked.status, unchecked.error) == ("failed", INTERRUPTED)
    assert (await service.get_task(task.id)).done == 3


async def test_a_stopped_runner_hands_back_what_it_never_started(live_database, settings):
    task = await service.create_task(
        PLAIN, {"delay": 0.05}, items(*(f"i{n}" for n in range(30))), creator="zhangsan"
    )
    run = runner(settings)
    await run.start()
    await ran(3)
    await run.stop()
    assert await TaskItem.filter(task_id=task.id, status="running").count() == 0
    # Handed back unstarted, so the next runner runs them as new items, not as interrupted ones.
    await runner(settings).drain()
    rows = await TaskItem.filter(task_id=task.id)
    assert {r.status for r in rows} == {"done"} and max(r.attempts for r in rows) == 1
    assert len(RUNS) == 30


async def test_the_task_center_lists_and_filters(live_database, settings):
    a = await service.create_task(PLAIN, {}, items("a"), creator="zhangsan")
    b = await service.create_task(UNCHECKED, {}, items("b"), creator="lisi")
    await service.cancel_task(b.id, by="lisi")
    rows, total = await service.list_tasks()
    assert [r.id for r in rows] == [b.id, a.id] and total == 2
    rows, total = await service.list_tasks(service.TaskFilters(creator="zhangsan", status="queued"))
    assert [r.id for r in rows] == [a.id] and total == 1
    rows, _ = await service.list_tasks(service.TaskFilters(kind="test.unchecked"))
    assert [r.status_name for r in rows] == ["已取消"]


async def test_a_task_of_a_kind_no_longer_known_fails_with_a_reason(live_database, settings):
    task = await service.create_task(PLAIN, {}, items("a"), creator="zhangsan")
    await Task.filter(id=task.id).update(kind="test.gone")
    await runner(settings).drain()
    task = await service.get_task(task.id)
    assert (task.status, task.error) == ("failed", "未知的任务类型：test.gone")
    assert RUNS == []
