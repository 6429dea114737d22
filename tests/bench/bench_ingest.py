"""Callback ingest over loopback: encrypted add_external_contact POSTs to `scrm serve` and to a bare handler.

Run: python -m tests.bench.bench_ingest [--requests N] [--connections N] [--rounds N] [--database-url URL]

Both servers run as separate processes (one core each at most); this process generates the load with an
aiohttp client. Every event is distinct, so each 200 from `scrm serve` means one committed inbox row; the
run checks the stored count afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

from bot.wecom.crypto import CallbackCrypto
from bot.wecom.emulator import CorpConfig
from sidebar_web.commands import free_port
from tests.callbacks import contact_event_xml


async def wait_ready(url: str) -> None:
    async with aiohttp.ClientSession() as session:
        for _ in range(200):
            try:
                async with session.post(url, data=b"") as response:
                    await response.read()
                    return
            except aiohttp.ClientError:
                await asyncio.sleep(0.05)
    raise RuntimeError(f"{url} did not come up")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def load(
    url: str, requests: list[tuple[str, bytes]], connections: int
) -> tuple[float, list[float], int]:
    latencies: list[float] = []
    failures = 0
    queue = iter(requests)
    connector = aiohttp.TCPConnector(limit=connections)

    async with aiohttp.ClientSession(connector=connector) as session:

        async def user() -> None:
            nonlocal failures
            for query, body in queue:
                started = time.perf_counter()
                async with session.post(f"{url}?{query}", data=body) as response:
                    await response.read()
                    if response.status != 200:
                        failures += 1
                latencies.append(time.perf_counter() - started)

        started = time.perf_counter()
        await asyncio.gather(*(user() for _ in range(connections)))
        elapsed = time.perf_counter() - started
    return elapsed, latencies, failures


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))] * 1000


def make_deliveries(
    crypto: CallbackCrypto, corp: CorpConfig, start: int, count: int
) -> list[tuple[str, bytes]]:
    """Distinct add_external_contact events, each encrypted and signed as WeCom sends it."""
    now = int(time.time())
    out = []
    for i in range(start, start + count):
        xml = contact_event_xml(
            corp.corp_id, "add_external_contact", f"user{i % 30}", f"wmBench{i:07d}", now + i, state="bench"
        )
        d = crypto.build_delivery(xml, corp.agent_id)
        out.append((d.query_string, d.body))
    return out


SERVERS = (
    ("bare aiohttp handler", [sys.executable, "-m", "tests.bench.bare_server", "{port}"]),
    (
        "scrm serve (ingest)",
        [sys.executable, "-m", "sidebar_web.cli", "serve", "--no-worker", "--port", "{port}"],
    ),
)


async def run(args: argparse.Namespace) -> None:
    corp = CorpConfig.generate(seed=1)
    crypto = CallbackCrypto(corp.token, corp.encoding_aes_key, corp.corp_id)
    warm = max(args.requests // 10, 1)
    warmup = make_deliveries(crypto, corp, 0, warm)
    rounds = [
        make_deliveries(crypto, corp, warm + r * args.requests, args.requests) for r in range(args.rounds)
    ]

    results: dict[str, list[tuple]] = {name: [] for name, _ in SERVERS}
    procs = {}
    with tempfile.TemporaryDirectory(prefix="scrm-bench-") as data_dir:
        env = {
            **os.environ,
            "SCRM_DATA__DIR": data_dir,
            "SCRM_DATABASE__URL": args.database_url,
            "SCRM_WECOM__CORP_ID": corp.corp_id,
            "SCRM_WECOM__TOKEN": corp.token,
            "SCRM_WECOM__ENCODING_AES_KEY": corp.encoding_aes_key,
            "SCRM_SERVER__LOG_LEVEL": "WARNING",
        }
        try:
            for name, command in SERVERS:
                port = free_port()
                cmd = [part.format(port=port) for part in command]
                procs[name] = (subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL), port)
            for _proc, port in procs.values():
                url = f"http://127.0.0.1:{port}/wecom/callback"
                await wait_ready(url)
                await load(url, warmup, args.connections)
            # Rounds alternate between the servers, so a slow moment of the machine hits both alike.
            for deliveries in rounds:
                for name, (proc, port) in procs.items():
                    cpu_before = cpu_seconds(proc.pid)
                    url = f"http://127.0.0.1:{port}/wecom/callback"
                    elapsed, latencies, failures = await load(url, deliveries, args.connections)
                    cpu_us = (cpu_seconds(proc.pid) - cpu_before) / len(latencies) * 1e6
                    rate = len(latencies) / elapsed
                    results[name].append((rate, pct(latencies, 0.5), pct(latencies, 0.99), cpu_us, failures))
            rss = {name: peak_rss_mb(proc.pid) for name, (proc, _) in procs.items()}
        finally:
            for proc, _ in procs.values():
                proc.terminate()
                proc.wait(timeout=30)
        stored = await count_stored(env)

    sync = os.environ.get("SCRM_DATABASE__SQLITE_SYNCHRONOUS", "FULL")
    print(
        f"\nCallback ingest: {args.rounds} rounds of {args.requests} requests, "
        f"{args.connections} connections, "
        f"database {'PostgreSQL' if args.database_url else f'SQLite (WAL, synchronous={sync})'}; "
        "median round shown"
    )
    header = ("server", "req/s", "p50 ms", "p99 ms", "CPU us/req", "peak RSS MB", "non-200", "ratio")
    print(f"{header[0]:<24}" + "".join(f"{h:>12}" for h in header[1:]))
    medians = {name: sorted(rows)[len(rows) // 2] for name, rows in results.items()}
    base = medians[SERVERS[0][0]][0]
    for name, (rate, p50, p99, cpu_us, _) in medians.items():
        failures = sum(r[4] for r in results[name])
        figures = f"{rate:>12.0f}{p50:>12.2f}{p99:>12.2f}{cpu_us:>12.0f}{rss[name]:>12.1f}{failures:>12}"
        print(f"{name:<24}{figures}{rate / base:>12.0%}")
    ratios = [ours[0] / bare[0] for bare, ours in zip(*results.values(), strict=True)]
    print("ratio per round: " + ", ".join(f"{r:.0%}" for r in ratios))
    print(f"inbox rows stored: {stored} (expected {warm + args.rounds * args.requests})")


async def count_stored(env: dict) -> int:
    from bot.inbox.models import InboxEvent
    from bot.settings import load
    from bot.store import db

    settings = load(env=env)
    await db.open_db(settings, migrate=False)
    try:
        return await InboxEvent.all().count()
    finally:
        await db.close_db()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20000)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database-url", default="", help="default: SQLite in a temporary directory")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
