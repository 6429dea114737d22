"""A radar's analytics with 100 000 visits and 20 000 share edges: p50/p99 per page and endpoint.

Run: python -m tests.bench.bench_radar_analytics [--visits N] [--shares N] [--customers N] [--requests N]
     [--database-url URL]

The mirror is the customer-search benchmark's corp (tests/bench/bench_api.py) with 30 000 customers; one PDF
radar gets bulk-inserted traffic (a benchmark fixture, not the product path): sends by the 30 staff, level-1
visits by 25 000 of the customers, and share visits whose parent is an earlier visit of someone else, so
levels go deep; about 3 % of visitors are not friends of the corp. The server runs in this process and the
client asks one request at a time with an admin's session; the baseline is a bare aiohttp handler answering
a small JSON body on its own port in the same process and run.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import resource
import statistics
import threading
import time
from datetime import UTC, datetime, timedelta

import aiohttp
from aiohttp import web
from tortoise import connections

from bot.contacts import scope
from bot.radar.models import Radar, RadarGroup, RadarSend, RadarVisit, RadarVisitor
from sidebar_web.auth import COOKIE, SESSIONS
from sidebar_web.commands import free_port
from tests.bench.bench_api import filled_server, pct

ADMIN = "u00"


async def fill_radar(visits: int, shares: int, staff: list[str], customers: int, rng: random.Random) -> Radar:
    now = datetime.now(UTC)
    group = await RadarGroup.create(name="产品介绍", created_at=now)
    radar = await Radar.create(group=group, name="产品手册", type=Radar.PDF, title="产品手册", created_at=now,
                               updated_at=now)  # fmt: skip
    start = now - timedelta(days=30)
    step = timedelta(days=30) / visits
    people = [f"wm{n:030d}" for n in range(customers)]
    direct = people[: customers * 5 // 6]
    await RadarSend.bulk_create(
        [RadarSend(radar=radar, userid=rng.choice(staff), external_userid=rng.choice(direct),
                   sent_at=start + step * i) for i in range(visits // 3)],
        batch_size=5000,
    )  # fmt: skip
    visitor_ids: dict[str, int] = {}
    strangers = [f"stranger{n}" for n in range(customers // 30)]
    batch = []
    for n, who in enumerate(people + strangers, 1):
        visitor_ids[who] = n
        ext = "" if who.startswith("stranger") else who
        batch.append(RadarVisitor(id=n, openid=f"o{n}", external_userid=ext, first_seen=start,
                                  last_seen=start))  # fmt: skip
    await RadarVisitor.bulk_create(batch, batch_size=5000)
    share_at = set(rng.sample(range(visits // 10, visits), shares))  # shares come once the radar has spread
    rows: list[tuple[str, int, str, list[int]]] = []  # who, level, chain starter, path
    batch = []
    for i in range(1, visits + 1):
        if i in share_at:
            parent = rng.randrange(1, i)
            p_who, p_level, userid, p_path = rows[parent - 1]
            pool = strangers if rng.random() < 0.03 else people
            who = rng.choice(pool)
            while who == p_who:
                who = rng.choice(pool)
            level, path, parent_id = p_level + 1, [*p_path, i], parent
        else:
            who = rng.choice(direct) if rng.random() > 0.03 else rng.choice(strangers)
            userid, level, path, parent_id = rng.choice(staff), 1, [i], None
        rows.append((who, level, userid, path))
        batch.append(
            RadarVisit(id=i, radar=radar, visitor_id=visitor_ids[who],
                       external_userid="" if who.startswith("stranger") else who, userid=userid,
                       parent_id=parent_id, level=level, path=path, channel="share" if parent_id else "staff",
                       opened_at=start + step * i, duration=rng.randrange(0, 600),
                       progress=rng.choice((0, 10, 30, 50, 80, 100)), shares=0)
        )  # fmt: skip
        if len(batch) >= 5000:
            await RadarVisit.bulk_create(batch)
            batch = []
    await RadarVisit.bulk_create(batch)
    return radar


class RssPeak:
    """The process's resident memory sampled every 10 ms while the block runs (its start and its peak)."""

    def __enter__(self):
        self.start = self.peak = _rss_mb()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self):
        while not self._stop.wait(0.01):
            self.peak = max(self.peak, _rss_mb())

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20


async def bare_app() -> tuple[web.AppRunner, str]:
    async def answer(request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_get("/", answer)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner, f"http://127.0.0.1:{port}/"


async def timed(http: aiohttp.ClientSession, url: str, requests: int) -> tuple[list[float], int]:
    async with http.get(url) as response:  # warm up
        await response.read()
    times, size = [], 0
    for _ in range(requests):
        t0 = time.perf_counter()
        async with http.get(url) as response:
            body = await response.read()
            assert response.status == 200, body[:300]
        times.append((time.perf_counter() - t0) * 1000)
        size = len(body)
    return times, size


async def run(args: argparse.Namespace) -> None:
    async with filled_server(args) as (base, app, shape):
        t0 = time.perf_counter()
        radar = await fill_radar(args.visits, args.shares, shape["staff"], args.customers, random.Random(11))
        if args.database_url:  # autovacuum runs after bulk inserts: statistics and the visibility map
            await connections.get("default").execute_script("VACUUM ANALYZE")
        edges = await RadarVisit.filter(radar_id=radar.id, parent_id__not_isnull=True).count()
        deepest = (await RadarVisit.filter(radar_id=radar.id).order_by("-level").first()).level
        print(f"radar filled in {time.perf_counter() - t0:.1f} s: {args.visits} visits, {edges} share edges,"
              f" deepest level {deepest}")  # fmt: skip
        await scope.grant_admin(ADMIN, "bench")
        cookie = app[SESSIONS].token(await app[SESSIONS].start(ADMIN))
        sharer = await RadarVisit.filter(radar_id=radar.id, level=1, children__id__isnull=False).first()
        deep = await RadarVisit.filter(radar_id=radar.id, level=deepest).exclude(external_userid="").first()
        console = f"{base}/console/radar/radars/{radar.id}/analytics"
        api = f"{base}/api/v1/radars/{radar.id}/analytics"
        pages = [
            ("console overview (figures, levels, boards, funnel)", console),
            ("console customers, first page", console + "/customers"),
            ("console customers, text + member + range",
             console + "/customers?q=王&userid=u03&last_from=2020-01-01"),
            ("console customers, page 100", console + "/customers?offset=1980"),
            ("console staff", console + "/staff"),
            ("console share network of a level-1 sharer",
             f"{console}/customers/{sharer.external_userid}/network"),
            (f"console source path of a level-{deepest} customer",
             f"{console}/customers/{deep.external_userid}/path"),
            ("api analytics", api),
            ("api customers, first page", api + "/customers"),
            ("api customers, text + member + range", api + "/customers?q=王&userid=u03&last_from=2020-01-01"),
            ("api staff", api + "/staff"),
            ("api share network of a level-1 sharer", f"{api}/customers/{sharer.external_userid}/network"),
            (f"api source path of a level-{deepest} customer",
             f"{api}/customers/{deep.external_userid}/path"),
        ]  # fmt: skip
        runner, bare = await bare_app()
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        try:
            async with aiohttp.ClientSession(cookies={COOKIE: cookie}) as http:
                baseline, _ = await timed(http, bare, args.requests)
                results = [(label, *await timed(http, url, args.requests)) for label, url in pages]
                rss_export = RssPeak()
                with rss_export:
                    export, export_size = await timed(http, console + "/customers.xlsx", 3)
        finally:
            await runner.cleanup()
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    where = "PostgreSQL" if args.database_url else "SQLite"
    print(f"\nRadar analytics, {args.visits} visits, {edges} share edges, {args.requests} requests each;"
          f" {where}")  # fmt: skip
    print(f"{'page':52} {'p50 ms':>8} {'p99 ms':>8} {'x bare':>8} {'KB':>7}")
    b50 = statistics.median(baseline)
    print(f"{'bare aiohttp handler (same process)':52} {b50:8.2f} {pct(baseline, 99):8.2f} {1:8.0f}")
    for label, times, size in results:
        p50 = statistics.median(times)
        print(f"{label:52} {p50:8.2f} {pct(times, 99):8.2f} {p50 / b50:8.0f} {size / 1024:7.1f}")
    e50 = statistics.median(export)
    print(f"{'export customers.xlsx (3 requests)':52} {e50:8.2f} {max(export):8.2f} {e50 / b50:8.0f}"
          f" {export_size / 1024:7.1f}")  # fmt: skip
    print(f"\npeak RSS (fill, server and client in one process): {rss_before:.0f} MB before the requests,"
          f" {rss_after:.0f} MB after")  # fmt: skip
    print(f"RSS during the exports: {rss_export.start:.0f} MB at the start, {rss_export.peak:.0f} MB at most"
          f" (+{rss_export.peak - rss_export.start:.0f} MB)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visits", type=int, default=100_000)
    parser.add_argument("--shares", type=int, default=20_000)
    parser.add_argument("--customers", type=int, default=30_000, help="customers in the mirrored corp")
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--database-url", default="", help="empty: a SQLite file in a temporary directory")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
