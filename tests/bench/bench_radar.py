"""Radar pages under load: beacon ingest and page opens, `scrm serve` next to bare aiohttp handlers.

Run: python -m tests.bench.bench_radar [--visitors N] [--requests N] [--connections N] [--rounds N]
     [--database-url URL]

The bench fills the database in-process first (a PDF radar, visitors who are customers with one open visit
each), closes it, then starts `scrm serve --no-worker` on that data directory and database and the bare
baseline (tests/bench/bare_server.py) as separate processes, and loads both from this process with an
aiohttp client. Rounds alternate between the servers, so a slow moment of the machine hits both alike; the
median round is shown, with the CPU each server spent per request and its peak RSS.

- Beacons: heartbeats (`POST /r/beacon`, form k/e/v as navigator.sendBeacon sends it) for random visits.
  Each verifies the visit key, checks the rate limit and updates the visit's viewing time with the clamp;
  a 204 means it was committed. The beacon limit is raised for the run: every request comes from
  127.0.0.1, which the per-IP limit would otherwise stop after `radar.beacons_per_minute`. The baseline
  reads the form and answers 204.
- Pages: `GET /r/<token>` with the visitor cookie (OAuth ran on an earlier open, as on a reload or a second
  visit): verify the link, load the visitor, record a new visit (level, path, the effects: an alert
  queued when the window allows), render the WeUI page. The baseline answers a page of the same size from
  memory.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

import aiohttp

from bot.radar import radars
from bot.radar import visitors as radar_visitors
from bot.radar import visits as radar_visits
from bot.radar.links import LinkSigner, RadarLink
from bot.radar.models import RadarGroup, RadarVisit, RadarVisitor
from bot.settings import load
from bot.store import db
from bot.wecom.emulator import CorpConfig
from sidebar_web.commands import free_port
from sidebar_web.radar.views import COOKIE
from tests.bench.bench_ingest import cpu_seconds, pct, peak_rss_mb, wait_ready

Request = tuple[str, str, bytes | None, dict | None]  # method, path, body, headers
FORM = {"Content-Type": "application/x-www-form-urlencoded;charset=UTF-8"}  # URLSearchParams, as radar.js


async def fill(env: dict, visitors: int) -> tuple[list[str], list[bytes], list[str]]:
    """A PDF radar, visitors who are customers, one open visit each; (page tokens, beacon forms, cookies)."""
    settings = load(env=env)
    signer = LinkSigner.from_settings(settings)
    await db.open_db(settings, migrate=True)
    try:
        now = datetime.now(UTC)
        group = await RadarGroup.create(name="产品资料", created_at=now)
        radar = await radars.create_radar(
            radars.RadarForm(
                name="产品手册", group_id=group.id, type="pdf", title="星河产品手册", file="0" * 32 + ".pdf"
            )
        )
        await RadarVisitor.bulk_create(
            [
                RadarVisitor(
                    openid=f"oBench{i:06d}", external_userid=f"wmBench{i:06d}", first_seen=now, last_seen=now
                )
                for i in range(visitors)
            ]
        )
        tokens, forms, cookies = [], [], []
        for i, visitor in enumerate(await RadarVisitor.all().order_by("id")):
            link = RadarLink(radar.id, f"u{i % 30:02d}", visitor.external_userid)
            tokens.append(signer.sign(link))
            cookies.append(radar_visitors.cookie_for(signer, visitor))
            opened = await radar_visits.open_visit(link, visitor, ip="127.0.0.1", user_agent="bench", now=now)
            form = {"k": radar_visits.visit_key(signer, opened.visit), "e": "heartbeat", "v": "0"}
            forms.append(urlencode(form).encode())
        return tokens, forms, cookies
    finally:
        await db.close_db()


async def load_run(base: str, requests: list[Request], connections: int) -> tuple[float, list[float], int]:
    """Send the requests over `connections` concurrent users; (seconds, latencies, answers not 2xx)."""
    latencies: list[float] = []
    failures = 0
    queue = iter(requests)
    connector = aiohttp.TCPConnector(limit=connections)
    async with aiohttp.ClientSession(connector=connector, cookie_jar=aiohttp.DummyCookieJar()) as session:

        async def user() -> None:
            nonlocal failures
            for method, path, body, headers in queue:
                started = time.perf_counter()
                async with session.request(method, base + path, data=body, headers=headers) as response:
                    await response.read()
                    if response.status not in (200, 204):
                        failures += 1
                latencies.append(time.perf_counter() - started)

        started = time.perf_counter()
        await asyncio.gather(*(user() for _ in range(connections)))
        elapsed = time.perf_counter() - started
    return elapsed, latencies, failures


async def first_page(base: str, token: str, cookie: str) -> bytes:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as session:
        async with session.get(f"{base}/r/{token}", headers={"Cookie": f"{COOKIE}={cookie}"}) as response:
            page = await response.read()
            assert response.status == 200, page[:300]
            return page


BARE, OURS = "bare aiohttp handler", "scrm serve"


async def run(args: argparse.Namespace) -> None:
    corp = CorpConfig.generate(seed=1)
    rng = random.Random(5)
    with tempfile.TemporaryDirectory(prefix="scrm-bench-") as data_dir:
        env = {
            **os.environ,
            "SCRM_DATA__DIR": data_dir,
            "SCRM_DATABASE__URL": args.database_url,
            "SCRM_WECOM__CORP_ID": corp.corp_id,
            "SCRM_WECOM__TOKEN": corp.token,
            "SCRM_WECOM__ENCODING_AES_KEY": corp.encoding_aes_key,
            "SCRM_SERVER__LOG_LEVEL": "WARNING",
            "SCRM_RADAR__BEACONS_PER_MINUTE": str(10**9),
        }
        started = time.perf_counter()
        tokens, forms, cookies = await fill(env, args.visitors)
        print(f"filled {args.visitors} visitors and visits in {time.perf_counter() - started:.1f} s")

        def picks(n: int) -> list[int]:
            return [rng.randrange(args.visitors) for _ in range(n)]

        def beacons(n: int) -> list[Request]:
            return [("POST", "/r/beacon", forms[i], FORM) for i in picks(n)]

        def pages(n: int) -> list[Request]:
            return [("GET", f"/r/{tokens[i]}", None, {"Cookie": f"{COOKIE}={cookies[i]}"}) for i in picks(n)]

        procs: dict[str, tuple[subprocess.Popen, str]] = {}
        try:
            port = free_port()
            cmd = [sys.executable, "-m", "sidebar_web.cli", "serve", "--no-worker", "--port", str(port)]
            procs[OURS] = (
                subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL),
                f"http://127.0.0.1:{port}",
            )
            await wait_ready(procs[OURS][1] + "/r/beacon")
            page = await first_page(procs[OURS][1], tokens[0], cookies[0])
            port = free_port()
            cmd = [sys.executable, "-m", "tests.bench.bare_server", str(port), str(len(page))]
            procs[BARE] = (
                subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL),
                f"http://127.0.0.1:{port}",
            )
            await wait_ready(procs[BARE][1] + "/r/beacon")
            workloads = {"POST /r/beacon (heartbeat)": beacons, "GET /r/<token> (records a visit)": pages}
            workloads = {k: v for k, v in workloads.items() if args.only in ("", k.split()[0].lower())}
            warm = max(args.requests // 10, args.connections)
            for make in workloads.values():
                for _, base in procs.values():
                    await load_run(base, make(warm), args.connections)
            results: dict[tuple[str, str], list[tuple]] = {}
            for _ in range(args.rounds):
                for workload, make in workloads.items():
                    plan = make(args.requests)
                    for name in (BARE, OURS):  # the same requests to both, one after the other
                        proc, base = procs[name]
                        cpu_before, db_before = cpu_seconds(proc.pid), postgres_cpu_seconds()
                        elapsed, latencies, failures = await load_run(base, plan, args.connections)
                        cpu_us = (cpu_seconds(proc.pid) - cpu_before) / len(latencies) * 1e6
                        db_us = (postgres_cpu_seconds() - db_before) / len(latencies) * 1e6
                        row = (
                            len(latencies) / elapsed,
                            pct(latencies, 0.5),
                            pct(latencies, 0.99),
                            cpu_us,
                            failures,
                            db_us,
                        )
                        results.setdefault((workload, name), []).append(row)
            rss = {name: peak_rss_mb(proc.pid) for name, (proc, _) in procs.items()}
        finally:
            for proc, _ in procs.values():
                proc.terminate()
                proc.wait(timeout=30)
        visits, beaconed = await count_stored(env)

    expected_visits = (
        args.visitors + 1 + (warm + args.rounds * args.requests if pages in workloads.values() else 0)
    )
    database = (
        "PostgreSQL"
        if args.database_url
        else "SQLite (WAL, synchronous=" + os.environ.get("SCRM_DATABASE__SQLITE_SYNCHRONOUS", "FULL") + ")"
    )
    print(
        f"\nRadar pages: {args.rounds} rounds of {args.requests} requests per workload, {args.connections} "
        f"connections, {args.visitors} visitors, {len(page) / 1024:.1f} KB page, database {database}; "
        "median round shown"
    )
    header = ("req/s", "p50 ms", "p99 ms", "CPU us/req", "peak RSS MB", "non-2xx", "ratio")
    for workload in workloads:
        print(f"{workload:<34}" + "".join(f"{h:>12}" for h in header))
        bare_rows, our_rows = results[(workload, BARE)], results[(workload, OURS)]
        base_rate = sorted(bare_rows)[len(bare_rows) // 2][0]
        for name, rows in ((BARE, bare_rows), (OURS, our_rows)):
            rate, p50, p99, cpu_us, _, db_us = sorted(rows)[len(rows) // 2]
            failures = sum(r[4] for r in rows)
            figures = f"{rate:>12.0f}{p50:>12.2f}{p99:>12.2f}{cpu_us:>12.0f}{rss[name]:>12.1f}{failures:>12}"
            print(f"  {name:<32}{figures}{rate / base_rate:>12.0%}")
        ratios = [ours[0] / bare[0] for bare, ours in zip(bare_rows, our_rows, strict=True)]
        print("  ratio per round: " + ", ".join(f"{r:.0%}" for r in ratios))
        if args.database_url:
            db_us = sorted(our_rows)[len(our_rows) // 2][5]
            print(
                f"  CPU of the local PostgreSQL server's processes per request of scrm serve: {db_us:.0f} us"
            )
    print(f"visits stored: {visits} (expected {expected_visits}); visits with a beacon: {beaconed}")


def postgres_cpu_seconds() -> float:
    """CPU time of every process named postgres this machine shows (the server and its backends)."""
    total = 0.0
    for comm in Path("/proc").glob("[0-9]*/comm"):
        try:
            if comm.read_text().strip() == "postgres":
                total += cpu_seconds(int(comm.parent.name))
        except (OSError, ValueError):  # gone meanwhile
            pass
    return total


async def count_stored(env: dict) -> tuple[int, int]:
    settings = load(env=env)
    await db.open_db(settings, migrate=False)
    try:
        return await RadarVisit.all().count(), await RadarVisit.filter(last_beacon_at__isnull=False).count()
    finally:
        await db.close_db()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visitors", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=10000)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--only", choices=("post", "get"), default="", help="beacons (post) or pages (get)")
    parser.add_argument("--database-url", default="", help="default: SQLite in a temporary directory")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
