"""Radar pages under load: beacon ingest and page opens, each next to a bare aiohttp handler in the same run.

Run: python -m tests.bench.bench_radar [--visitors N] [--requests N] [--connections N] [--database-url URL]

One process serves both apps on loopback and drives them with an aiohttp client, so server and client share
a core alike for our server and for the baseline. The radar is a PDF radar; every visitor is a customer who
already has the visitor cookie (OAuth ran on an earlier open), as on a reload or a second visit.

- Beacons: heartbeats (`POST /r/beacon`, form k/e/v as navigator.sendBeacon sends it) for visits opened
  beforehand, spread over the visitors. Each one verifies the visit key, checks the rate limit, and updates
  the visit's viewing time with the clamp. The beacon limit is raised for the run: every request comes from
  127.0.0.1, which the per-IP limit would otherwise stop after `radar.beacons_per_minute`.
- Pages: `GET /r/<token>` with the cookie: verify the link, load the visitor, record a new visit (level,
  path, the first-visit effects: timeline, queued alert), render the WeUI page.
- Baselines: a bare handler that reads the form and answers 204, and one that returns a page of the same
  size from memory.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import resource
import tempfile
import time
from datetime import UTC, datetime

import aiohttp
from aiohttp import web

from bot.models import RadarGroup, RadarVisit, RadarVisitor
from bot.services import radar_visitors, radar_visits, radars
from bot.services.radar_links import RadarLink
from bot.settings import load
from bot.wecom.emulator import CorpConfig
from sidebar_web.app import create_app
from sidebar_web.commands import free_port
from sidebar_web.radar.views import COOKIE, SIGNER
from tests.bench.bench_api import pct


async def serve(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner, f"http://127.0.0.1:{port}"


def bare_app(page: bytes) -> web.Application:
    async def beacon(request: web.Request) -> web.Response:
        await request.post()
        return web.Response(status=204)

    async def page_handler(request: web.Request) -> web.Response:
        return web.Response(body=page, content_type="text/html")

    app = web.Application()
    app.router.add_post("/beacon", beacon)
    app.router.add_get("/page", page_handler)
    return app


async def load_run(
    session: aiohttp.ClientSession,
    requests: list[tuple[str, str, dict | None, dict | None]],
    connections: int,
) -> tuple[float, list[float]]:
    """Send (method, url, form, cookies) requests over concurrent users; (seconds, latencies in ms)."""
    latencies: list[float] = []
    queue = iter(requests)

    async def user() -> None:
        for method, url, form, cookies in queue:
            t0 = time.perf_counter()
            async with session.request(method, url, data=form, cookies=cookies) as response:
                await response.read()
                assert response.status in (200, 204), (response.status, url)
            latencies.append((time.perf_counter() - t0) * 1000)

    t0 = time.perf_counter()
    await asyncio.gather(*(user() for _ in range(connections)))
    return time.perf_counter() - t0, latencies


async def fill(app: web.Application, visitors: int) -> tuple[list[str], list[dict], list[str]]:
    """A PDF radar, visitors who are customers, one open visit each; (page tokens, beacon forms, cookies)."""
    signer = app[SIGNER]
    now = datetime.now(UTC)
    group = await RadarGroup.create(name="产品资料", created_at=now)
    radar = await radars.create_radar(
        radars.RadarForm(
            name="产品手册", group_id=group.id, type="pdf", title="星河产品手册", file=_pdf_name()
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
    people = await RadarVisitor.all().order_by("id")
    tokens, forms, cookies = [], [], []
    for i, visitor in enumerate(people):
        link = RadarLink(radar.id, f"u{i % 30:02d}", visitor.external_userid)
        tokens.append(signer.sign(link))
        cookies.append(radar_visitors.cookie_for(signer, visitor))
        opened = await radar_visits.open_visit(link, visitor, ip="127.0.0.1", user_agent="bench", now=now)
        forms.append({"k": radar_visits.visit_key(signer, opened.visit), "e": "heartbeat", "v": "0"})
    return tokens, forms, cookies


def _pdf_name() -> str:
    # The page only names the file (the browser fetches it); the service checks the name's form.
    return "0" * 32 + ".pdf"


async def run(args: argparse.Namespace) -> None:
    corp = CorpConfig.generate(seed=1)
    with tempfile.TemporaryDirectory(prefix="scrm-bench-") as data:
        env = {
            "SCRM_DATA__DIR": data,
            "SCRM_DATABASE__URL": args.database_url,
            "SCRM_WECOM__CORP_ID": corp.corp_id,
            "SCRM_WECOM__TOKEN": corp.token,
            "SCRM_WECOM__ENCODING_AES_KEY": corp.encoding_aes_key,
            "SCRM_SERVER__LOG_LEVEL": "WARNING",
            "SCRM_RADAR__BEACONS_PER_MINUTE": str(10**9),
        }
        app = create_app(load(env=env), run_worker=False)
        ours, base = await serve(app)
        try:
            t0 = time.perf_counter()
            tokens, forms, cookies = await fill(app, args.visitors)
            print(f"filled {args.visitors} visitors and visits in {time.perf_counter() - t0:.1f} s "
                  f"({args.database_url or 'SQLite'})")  # fmt: skip
            rng = random.Random(5)
            picks = [rng.randrange(args.visitors) for _ in range(args.requests)]
            async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as session:
                async with session.get(f"{base}/r/{tokens[0]}", cookies={COOKIE: cookies[0]}) as response:
                    page = await response.read()
                    assert response.status == 200, page[:300]
                bare, bare_base = await serve(bare_app(page))
                try:
                    plans = {
                        "bare POST (read form, 204)": [
                            ("POST", f"{bare_base}/beacon", forms[i], None) for i in picks
                        ],
                        "POST /r/beacon (heartbeat)": [
                            ("POST", f"{base}/r/beacon", forms[i], None) for i in picks
                        ],
                        "bare GET (same page from memory)": [
                            ("GET", f"{bare_base}/page", None, None) for i in picks
                        ],
                        "GET /r/<token> (records a visit)": [
                            ("GET", f"{base}/r/{tokens[i]}", None, {COOKIE: cookies[i]}) for i in picks
                        ],
                    }
                    for plan in plans.values():  # warm up
                        await load_run(session, plan[: args.connections * 4], args.connections)
                    results = {}
                    for name, plan in plans.items():
                        results[name] = await load_run(session, plan, args.connections)
                finally:
                    await bare.cleanup()
            visits = await RadarVisit.all().count()
        finally:
            await ours.cleanup()
    size = len(page) / 1024
    print(f"\nRadar pages: {args.requests} requests each, {args.connections} connections, {size:.1f} KB page")
    print(f"{'workload':36} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'vs bare':>8}")
    rows = list(results.items())
    for i, (name, (elapsed, latencies)) in enumerate(rows):
        rate = len(latencies) / elapsed
        baseline = len(rows[i - i % 2][1][1]) / rows[i - i % 2][1][0]
        ratio = f"{rate / baseline * 100:7.0f}%" if i % 2 else f"{'100%':>8}"
        print(f"{name:36} {rate:8.0f} {pct(latencies, 50):8.2f} {pct(latencies, 99):8.2f} {ratio}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"visits recorded: {visits}; peak memory (servers, client and fill in one process): {peak:.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visitors", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--database-url", default="", help="empty: a SQLite file in a temporary directory")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
