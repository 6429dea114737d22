"""Follow-up reminders: logging follow-ups, then sending a backlog that fell due at once, by one sender and
by two racing ones (as two worker processes would); every reminder must reach WeCom exactly once.

Run: python -m tests.bench.bench_reminders [--reminders N] [--database-url URL]

The emulator serves in the same process, so its share of the CPU is inside the figures. The client's rate
limit is lifted so the figures measure our code; with the default wecom.rate_per_second = 50, N reminders
take at least N / 50 s. Customers and relations are written straight into the mirror: the bench measures
reminders, not the sync.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from datetime import UTC, datetime, timedelta

import aiohttp

from bot.wecom.emulator import CorpConfig

SEED = 3
# 20 reminders each at the default 2000: within one member's minute (notify.PER_MEMBER_PER_MINUTE)
STAFF = 100


async def mirror(n: int) -> list[tuple[str, str]]:
    """n customers, each followed by one of STAFF members; returns (userid, external_userid) pairs."""
    from bot.contacts.models import Customer, FollowRelation, Member

    now = datetime.now(UTC)
    await Member.bulk_create([Member(userid=f"s{i}", name=f"员工{i}", synced_at=now) for i in range(STAFF)])
    customers = [Customer(external_userid=f"wm{i:08d}", name=f"客户{i}", synced_at=now) for i in range(n)]
    await Customer.bulk_create(customers, batch_size=1000)
    relations = [
        FollowRelation(customer_id=c.external_userid, userid=f"s{i % STAFF}", synced_at=now)
        for i, c in enumerate(customers)
    ]
    await FollowRelation.bulk_create(relations, batch_size=1000)
    return [(r.userid, r.customer_id) for r in relations]


async def one_round(args, client, emulator, senders: int) -> dict:
    from bot.followups import entries as followups
    from bot.followups import reminders
    from bot.followups.models import Reminder
    from bot.settings import load
    from bot.store import db
    from tests.bench.bench_sync import empty_postgres

    with tempfile.TemporaryDirectory(prefix="scrm-bench-reminders-") as data_dir:
        if args.database_url:
            await empty_postgres(args.database_url)
        settings = load(env={"SCRM_DATA__DIR": data_dir, "SCRM_DATABASE__URL": args.database_url})
        await db.open_db(settings)
        try:
            pairs = await mirror(args.reminders)
            now = datetime.now(UTC)
            started = time.perf_counter()
            for i, (userid, external_userid) in enumerate(pairs):
                await followups.log_follow_up(
                    userid,
                    external_userid,
                    f"第 {i} 次跟进：确认报价与交付时间",
                    remind_at=now + timedelta(minutes=1),
                    now=now,
                )
            logged = time.perf_counter() - started
            before = len(emulator.state.messages)
            started = time.perf_counter()
            due = now + timedelta(minutes=2)
            outcomes = await asyncio.gather(
                *(reminders.send_due_reminders(client, settings, now=due) for _ in range(senders))
            )
            sent_wall = time.perf_counter() - started
            delivered = len(emulator.state.messages) - before
            sent = await Reminder.filter(status=Reminder.SENT).count()
        finally:
            await db.close_db()
    return {
        "senders": senders,
        "logged_per_s": args.reminders / logged,
        "sent_wall": sent_wall,
        "sent_per_s": args.reminders / sent_wall,
        "delivered": delivered,
        "sent": sent,
        "by_sender": [o.get("sent", 0) for o in outcomes],
    }


async def run(args: argparse.Namespace) -> None:
    from bot.wecom.client import WeComClient
    from bot.wecom.emulator import Emulator, run_emulator
    from bot.wecom.tokens import MemoryTokenStore

    corp = CorpConfig.generate(seed=SEED)
    emulator = Emulator(corp, rate_limit_per_minute=10**9)
    for i in range(STAFF):
        emulator.state.add_member(f"s{i}", f"员工{i}")
    runner = await run_emulator(emulator, "127.0.0.1", 0)
    port = runner.addresses[0][1]
    rows = []
    try:
        async with aiohttp.ClientSession() as session:
            client = WeComClient(
                session, base_url=f"http://127.0.0.1:{port}", corp_id=corp.corp_id, agent_id=corp.agent_id,
                agent_secret=corp.agent_secret, contact_secret=corp.contact_secret,
                token_store=MemoryTokenStore(), rate_per_second=10**6,
            )  # fmt: skip
            for senders in (1, 2):
                rows.append(await one_round(args, client, emulator, senders))
    finally:
        await runner.cleanup()
    report(args, rows)


def report(args: argparse.Namespace, rows: list[dict]) -> None:
    database = "PostgreSQL" if args.database_url else "SQLite (WAL, synchronous=FULL)"
    print(f"\n{args.reminders} reminders falling due at once, {STAFF} staff; database {database}")
    header = ("senders", "logged/s", "send wall s", "sent/s", "delivered", "marked sent", "sent by each")
    print("".join(f"{h:>14}" for h in header))
    for r in rows:
        each = "+".join(str(n) for n in r["by_sender"])
        print(
            f"{r['senders']:>14}{r['logged_per_s']:>14.0f}{r['sent_wall']:>14.2f}{r['sent_per_s']:>14.0f}"
            f"{r['delivered']:>14}{r['sent']:>14}{each:>14}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reminders", type=int, default=2000)
    parser.add_argument("--database-url", default="")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
