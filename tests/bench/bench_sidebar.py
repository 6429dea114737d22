"""The sidebar's customer page at 100 000 customers: p50/p99 render time and page weight.

Run: python -m tests.bench.bench_sidebar [--customers N] [--requests N] [--database-url URL]

The mirror is the customer-search benchmark's corp (tests/bench/bench_api.py) plus 5 timeline events per
customer (500 000 rows). A staff member's session cookie is made with the server's own key; the page is
asked for customers that staff member follows, chosen at random, one request at a time. The baseline is
GET /api/v1/me with the same session (auth and a small JSON answer) in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import resource
import statistics
import time

import aiohttp

from bot.contacts.models import FollowRelation
from sidebar_web.auth import COOKIE, SESSIONS
from tests.bench.bench_api import filled_server, pct

STAFF = "u05"


async def run(args: argparse.Namespace) -> None:
    async with filled_server(args, timeline_events=5) as (base, app, _shape):
        sessions = app[SESSIONS]
        cookie = sessions.token(await sessions.start(STAFF))
        mine = await FollowRelation.filter(userid=STAFF).values_list("customer_id", flat=True)
        picks = random.Random(3).choices(mine, k=args.requests)
        async with aiohttp.ClientSession(cookies={COOKIE: cookie}) as http:
            for ext in picks[:5]:  # warm up
                await (await http.get(f"{base}/sidebar/customers/{ext}")).read()
            baseline = []
            for _ in range(args.requests):
                t0 = time.perf_counter()
                async with http.get(f"{base}/api/v1/me") as response:
                    await response.read()
                    assert response.status == 200
                baseline.append((time.perf_counter() - t0) * 1000)
            times, sizes = [], []
            for ext in picks:
                t0 = time.perf_counter()
                async with http.get(f"{base}/sidebar/customers/{ext}") as response:
                    body = await response.read()
                    assert response.status == 200, body[:200]
                times.append((time.perf_counter() - t0) * 1000)
                sizes.append(len(body))
    b50 = statistics.median(baseline)
    p50 = statistics.median(times)
    print(
        f"\nSidebar customer page, {args.customers} customers, {len(mine)} followed by {STAFF}, "
        f"{args.requests} requests"
    )
    print(f"{'page':34} {'p50 ms':>8} {'p99 ms':>8} {'x /me':>7} {'HTML KB p50':>12} {'max KB':>8}")
    print(f"{'baseline GET /api/v1/me':34} {b50:8.2f} {pct(baseline, 99):8.2f} {1:7.1f}")
    print(
        f"{'GET /sidebar/customers/{id}':34} {p50:8.2f} {pct(times, 99):8.2f} {p50 / b50:7.1f}"
        f" {statistics.median(sizes) / 1024:12.1f} {max(sizes) / 1024:8.1f}"
    )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (server, client and fill in one process): {peak:.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--database-url", default="", help="empty: a SQLite file in a temporary directory")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
