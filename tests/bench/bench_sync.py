"""Full sync from the emulator: wall time, API calls, peak memory, against bare paging of the same APIs.

Run: python -m tests.bench.bench_sync [--customers N] [--staff N] [--groups N] [--database-url URL]

The emulator runs in its own process with a seeded corp (every tenth customer with two followers). Each
measured run is a fresh child process, so its peak RSS is its own: first the baseline, which makes the
same WeCom calls as the sync (directory, tags, get_follow_user_list, batch/get_by_user over every chunk
and cursor, groupchat/list and get) and applies nothing; then `scrm sync`'s service into an empty
database; then the same sync again under tracemalloc for the peak of Python allocations. The client's
rate limit is lifted for all of them, so the figures measure our code, not WeCom's pace.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc

import aiohttp

from bot.wecom.emulator import CorpConfig

SEED = 1


def corp() -> CorpConfig:
    return CorpConfig.generate(seed=SEED)


# -- the emulator process ---------------------------------------------------------------------------


async def serve_emulator(args: argparse.Namespace) -> None:
    from bot.wecom.emulator import Emulator, run_emulator
    from tests.sync_corp import build_corp

    emu = Emulator(corp(), rate_limit_per_minute=10**9)
    build_corp(emu.state, customers=args.customers, staff=args.staff, groups=args.groups, seed=SEED)
    runner = await run_emulator(emu, "127.0.0.1", 0)
    port = runner.addresses[0][1]
    print(json.dumps({"port": port, "relations": len(emu.state.follows)}), flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)  # until the parent closes stdin
    await runner.cleanup()


# -- a measured child ---------------------------------------------------------------------------------


def client_for(session: aiohttp.ClientSession, base_url: str):
    from bot.wecom.client import WeComClient
    from bot.wecom.tokens import MemoryTokenStore

    c = corp()
    return WeComClient(
        session, base_url=base_url, corp_id=c.corp_id, agent_id=c.agent_id, agent_secret=c.agent_secret,
        contact_secret=c.contact_secret, token_store=MemoryTokenStore(), rate_per_second=10**6,
    )  # fmt: skip


async def bare_paging(client) -> int:
    """Every call the sync makes, in the same order, with nothing applied; returns the records read."""
    from bot.contacts import directory, groups, sync, tags
    from bot.wecom.client import BATCH_USERIDS

    await directory.fetch_directory(client)
    await tags.fetch_tag_list(client)
    users = sorted((await client.get_follow_user_list())["follow_user"])
    records = 0
    for start in range(0, len(users), BATCH_USERIDS):
        cursor = ""
        while True:
            page = await client.batch_get_by_user(
                users[start : start + BATCH_USERIDS], cursor=cursor, limit=sync.PAGE_LIMIT
            )
            records += len(page["external_contact_list"])
            cursor = page.get("next_cursor") or ""
            if not cursor:
                break
    async for item in client.iter_groupchats(limit=sync.GROUP_PAGE_LIMIT):
        await groups.fetch_group(client, item["chat_id"])
    return records


async def child(args: argparse.Namespace) -> None:
    from bot.contacts import sync
    from bot.settings import load
    from bot.store import db

    if args.trace:
        tracemalloc.start()
    async with aiohttp.ClientSession() as session:
        client = client_for(session, args.api)
        if args.child == "baseline":
            started = time.perf_counter()
            records = await bare_paging(client)
            wall = time.perf_counter() - started
        else:
            env = {"SCRM_DATA__DIR": args.data_dir, "SCRM_DATABASE__URL": args.database_url}
            await db.open_db(load(env=env))
            try:
                started = time.perf_counter()
                result = await sync.run_sync(client)
                wall = time.perf_counter() - started
                records = result.reads["records"]
            finally:
                await db.close_db()
    peak = tracemalloc.get_traced_memory()[1] / 2**20 if args.trace else None
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"wall": wall, "records": records, "rss": rss, "traced": peak}), flush=True)


# -- the parent ------------------------------------------------------------------------------------------


async def calls(session: aiohttp.ClientSession, api: str) -> dict[str, int]:
    async with session.get(f"{api}/_emulator/calls") as response:
        return await response.json()


def run_child(args: argparse.Namespace, api: str, kind: str, data_dir: str, trace: bool = False) -> dict:
    command = [
        sys.executable, "-m", "tests.bench.bench_sync", "--child", kind, "--api", api,
        "--data-dir", data_dir, "--database-url", args.database_url,
    ] + (["--trace"] if trace else [])  # fmt: skip
    env = {**os.environ, "SCRM_SERVER__LOG_LEVEL": "WARNING"}
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        raise RuntimeError(done.stderr)
    return json.loads(done.stdout.strip().splitlines()[-1])


async def empty_postgres(url: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    try:
        tables = await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        for t in tables:
            await conn.execute(f'DROP TABLE IF EXISTS "{t["tablename"]}" CASCADE')
    finally:
        await conn.close()


async def parent(args: argparse.Namespace) -> None:
    emulator = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.bench.bench_sync", "--serve-emulator",
        "--customers", str(args.customers), "--staff", str(args.staff), "--groups", str(args.groups),
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    hello = json.loads(await emulator.stdout.readline())
    api = f"http://127.0.0.1:{hello['port']}"
    rows = []
    try:
        async with aiohttp.ClientSession() as session:
            for kind, trace in (("baseline", False), ("sync", False), ("sync", True)):
                with tempfile.TemporaryDirectory(prefix="scrm-bench-sync-") as data_dir:
                    if args.database_url:
                        await empty_postgres(args.database_url)
                    before = await calls(session, api)
                    figures = await asyncio.to_thread(run_child, args, api, kind, data_dir, trace)
                    after = await calls(session, api)
                by_path = {p: n - before.get(p, 0) for p, n in after.items() if n - before.get(p, 0)}
                rows.append((kind, trace, figures, by_path))
    finally:
        emulator.stdin.close()
        await emulator.wait()
    report(args, hello["relations"], rows)


def report(args: argparse.Namespace, relations: int, rows: list) -> None:
    database = "PostgreSQL" if args.database_url else "SQLite (WAL, synchronous=FULL)"
    print(
        f"\nFull sync of {args.customers} customers ({relations} relations, {args.staff} staff, "
        f"{args.groups} groups) from the emulator; database {database}"
    )
    header = ("run", "wall s", "API calls", "records/s", "peak RSS MB", "traced MB", "vs baseline")
    print(f"{header[0]:<30}" + "".join(f"{h:>13}" for h in header[1:]))
    base = rows[0][2]["wall"]
    for kind, trace, f, by_path in rows:
        name = {"baseline": "bare paging (baseline)", "sync": "scrm sync"}[kind]
        name += " + tracemalloc" if trace else ""
        traced = f"{f['traced']:.1f}" if f["traced"] is not None else "-"
        print(
            f"{name:<30}{f['wall']:>13.1f}{sum(by_path.values()):>13}{f['records'] / f['wall']:>13.0f}"
            f"{f['rss']:>13.1f}{traced:>13}{f['wall'] / base:>12.1f}x"
        )
    print("API calls of one sync, by path:")
    for path, n in sorted(rows[1][3].items(), key=lambda item: -item[1]):
        print(f"  {path:<45}{n:>8}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--staff", type=int, default=30)
    parser.add_argument("--groups", type=int, default=200)
    parser.add_argument("--database-url", default="", help="an empty PostgreSQL database; default SQLite")
    parser.add_argument("--serve-emulator", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--child", choices=("baseline", "sync"), help=argparse.SUPPRESS)
    parser.add_argument("--api", help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", help=argparse.SUPPRESS)
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_emulator:
        asyncio.run(serve_emulator(args))
    elif args.child:
        asyncio.run(child(args))
    else:
        asyncio.run(parent(args))


if __name__ == "__main__":
    main()
