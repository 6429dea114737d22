"""GET /api/v1/customers with combined filters at 100 000 customers: p50/p99 per query against /api/v1/me.

Run: python -m tests.bench.bench_api [--customers N] [--requests N] [--database-url URL]

The mirror is filled with bulk inserts (a benchmark fixture, not the product path: the sync benchmark
measures that), shaped like a real corp: 30 staff in 4 departments, ~10 % of customers followed by two staff,
5 % lost, tags from 4 groups, 8 channel states, add times over 18 months. The server runs in this process
and the client asks one request at a time, so the figures are latencies; the baseline is /api/v1/me (auth
and JSON, no customer query) measured in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import resource
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta

import aiohttp
from aiohttp import web
from tortoise import connections

from bot.contacts import timeline
from bot.contacts.models import Customer, Department, FollowRelation, Member, Tag, TagGroup, TimelineEvent
from bot.settings import load
from bot.wecom.emulator import CorpConfig
from sidebar_web.app import create_app
from sidebar_web.commands import free_port

TOKEN = "bench-token-0123456789abcdefghijklmnopqrstuv"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"
EVENT_TYPES = (timeline.ADDED, timeline.TAGS_ADDED, timeline.REMARK_CHANGED, timeline.TAGS_REMOVED)
STATES = [
    "展会-2026上海",
    "官网咨询",
    "公众号菜单",
    "老客户转介绍",
    "抖音直播",
    "门店海报",
    "地推",
    "搜索广告",
]


async def populate(customers: int, rng: random.Random, timeline_events: int = 0) -> dict:
    now = datetime.now(UTC)
    await Department.bulk_create(
        [
            Department(id=1, name="总部", parent_id=None, synced_at=now),
            Department(id=2, name="销售部", parent_id=1, leaders=["u01"], synced_at=now),
            Department(id=3, name="华东组", parent_id=2, synced_at=now),
            Department(id=4, name="客服部", parent_id=1, synced_at=now),
        ]
    )
    staff = [f"u{i:02d}" for i in range(30)]
    await Member.bulk_create(
        [
            Member(userid=u, name=u, departments=[1 + i % 4], leads=[2] if u == "u01" else [], synced_at=now)
            for i, u in enumerate(staff)
        ]
    )
    tag_ids = []
    for g in range(4):
        group = await TagGroup.create(group_id=f"etG{g}", name=f"组{g}", synced_at=now)
        for t in range(6):
            await Tag.create(tag_id=f"etT{g}{t}", group=group, name=f"标签{g}{t}", synced_at=now)
            tag_ids.append(f"etT{g}{t}")
    start = now - timedelta(days=540)
    batch_c, batch_r, batch_t = [], [], []
    for n in range(customers):
        ext = f"wm{n:030d}"
        lost = rng.random() < 0.05
        name = rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2))))
        batch_c.append(
            Customer(
                external_userid=ext,
                name=name,
                gender=rng.choice((0, 1, 2)),
                type=2 if rng.random() < 0.1 else 1,
                lost=lost,
                synced_at=now,
            )  # fmt: skip
        )
        followers = rng.sample(staff, 2 if rng.random() < 0.1 else 1)
        for userid in followers:
            batch_r.append(
                FollowRelation(
                    customer_id=ext,
                    userid=userid,
                    remark=name if rng.random() < 0.3 else "",
                    add_time=start + timedelta(seconds=rng.randrange(540 * 86400)),
                    state=rng.choice(STATES) if rng.random() < 0.6 else "",
                    add_way=1,
                    tag_ids=rng.sample(tag_ids, rng.randrange(0, 4)),
                    status="lost" if lost else "active",
                    synced_at=now,
                )  # fmt: skip
            )
        batch_t += [
            TimelineEvent(
                external_userid=ext,
                userid=followers[0],
                type=rng.choice(EVENT_TYPES),
                occurred_at=start + timedelta(seconds=rng.randrange(540 * 86400)),
                payload={"names": ["标签"], "state": "官网咨询", "remark": name},
            )
            for _ in range(timeline_events)
        ]
        if len(batch_c) >= 5000:
            await _write(batch_c, batch_r, batch_t)
            batch_c, batch_r, batch_t = [], [], []
    await _write(batch_c, batch_r, batch_t)
    return {"tags": tag_ids, "staff": staff}


async def _write(customers: list, relations: list, events: list) -> None:
    await Customer.bulk_create(customers)
    await FollowRelation.bulk_create(relations)
    if events:
        await TimelineEvent.bulk_create(events)


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


async def measure(session, url: str, params: dict, requests: int) -> tuple[list[float], dict]:
    times, body = [], {}
    for _ in range(requests):
        t0 = time.perf_counter()
        async with session.get(url, params=params) as response:
            body = await response.json()
            assert response.status == 200, body
        times.append((time.perf_counter() - t0) * 1000)
    return times, body


@contextlib.asynccontextmanager
async def filled_server(args: argparse.Namespace, *, timeline_events: int = 0):
    """Our server on a free port over a freshly filled mirror; yields (base URL, app, corp shape)."""
    corp = CorpConfig.generate(seed=1)
    with tempfile.TemporaryDirectory() as data:
        env = {
            "SCRM_DATA__DIR": data,
            "SCRM_DATABASE__URL": args.database_url,
            "SCRM_WECOM__CORP_ID": corp.corp_id,
            "SCRM_WECOM__TOKEN": corp.token,
            "SCRM_WECOM__ENCODING_AES_KEY": corp.encoding_aes_key,
            "SCRM_ACCESS__API_TOKENS": TOKEN,
            "SCRM_SERVER__LOG_LEVEL": "WARNING",
        }
        settings = load(env=env)
        app = create_app(settings, run_worker=False)
        runner = web.AppRunner(app)
        await runner.setup()
        port = free_port()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        try:
            t0 = time.perf_counter()
            shape = await populate(args.customers, random.Random(7), timeline_events=timeline_events)
            if args.database_url:  # what autovacuum would have done by the time anyone searches
                await connections.get("default").execute_script("ANALYZE")
            where = args.database_url or "SQLite"
            print(f"filled {args.customers} customers in {time.perf_counter() - t0:.1f} s ({where})")
            yield f"http://127.0.0.1:{port}", app, shape
        finally:
            await runner.cleanup()


async def run(args: argparse.Namespace) -> None:
    async with filled_server(args) as (base, _app, shape):
        await report(base, shape, args.requests)


async def report(base: str, shape: dict, requests: int) -> None:
    tags = shape["tags"]
    queries = [
        ("first page, no filter", {}),
        ("owner + any of 2 tags + 6 months", {"owner": "u03,u07", "tags": f"{tags[0]},{tags[7]}",
                                              "added_from": "2026-05-01", "added_to": "2026-10-31"}),
        ("text + lost", {"q": "王", "status": "lost"}),
        ("all of 2 tags + channel + gender", {"tags": f"{tags[1]},{tags[9]}", "tag_mode": "all",
                                              "state": "官网咨询,抖音直播", "gender": "2"}),
        ("every filter at once", {"q": "李", "owner": ",".join(shape["staff"][:15]),
                                  "tags": ",".join(tags[:6]), "added_from": "2025-12-01",
                                  "added_to": "2026-11-30", "state": ",".join(STATES[:4]), "gender": "1,2",
                                  "status": "active", "type": "1"}),
        ("page 200 of the full list", {"offset": "3980"}),
    ]  # fmt: skip
    headers = {"Authorization": f"Bearer {TOKEN}"}
    async with aiohttp.ClientSession(headers=headers) as session:
        await measure(session, base + "/api/v1/customers", {}, 3)  # warm caches
        baseline, _ = await measure(session, base + "/api/v1/me", {}, requests)
        b50 = statistics.median(baseline)
        print(f"\n{'query':40} {'rows':>7} {'dedup':>7} {'p50 ms':>8} {'p99 ms':>8} {'x /me':>7}")
        print(f"{'baseline GET /api/v1/me':40} {'':>7} {'':>7} {b50:8.2f} {pct(baseline, 99):8.2f} {1:7.1f}")
        for label, params in queries:
            times, body = await measure(session, base + "/api/v1/customers", params, requests)
            p50 = statistics.median(times)
            print(
                f"{label:40} {body['total']:7d} {body['dedup_total']:7d} {p50:8.2f} {pct(times, 99):8.2f}"
                f" {p50 / b50:7.1f}"
            )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak memory (server, client and fill in one process): {peak:.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--database-url", default="", help="empty: a SQLite file in a temporary directory")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
