"""Seeding the demo corp and reading it back through the emulator's hot lookups, at growing sizes.

Run: python -m tests.bench.bench_seed [--customers 5000,20000,100000] [--seed 0]

Each size runs in a fresh child process so its peak RSS is its own. Columns: seconds for populate(),
customers seeded per second, the relations created, then the time to look up every customer's relations
(what externalcontact/get does per call) and every member's (batch/get_by_user), and the peak RSS.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time


def measure(customers: int, seed: int) -> dict[str, float]:
    from bot.wecom.emulator import CorpConfig, CorpState
    from bot.wecom.emulator.seed import populate

    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    state = CorpState(CorpConfig.generate(seed=1), seed=seed)
    started = time.perf_counter()
    populate(state, customers=customers, seed=seed)
    seeded = time.perf_counter() - started

    started = time.perf_counter()
    for ext in state.customers:
        state.follows_of_customer(ext)
    by_customer = time.perf_counter() - started
    started = time.perf_counter()
    for userid in state.members:
        state.follows_of_member(userid)
    by_member = time.perf_counter() - started
    return {
        "customers": customers,
        "seconds": seeded,
        "relations": len(state.follows),
        "by_customer": by_customer,
        "by_member": by_member,
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "baseline_mb": baseline,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", default="5000,20000,100000")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # child mode: measure one size
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.one, args.seed)))
        return

    print(f"Demo corp seeding (populate), seed {args.seed}, one fresh process per size")
    print(
        f"{'customers':>10} {'seconds':>8} {'cust/s':>9} {'relations':>10} "
        f"{'get all ms':>11} {'by user ms':>11} {'peak RSS MB':>12} {'of which seed':>14}"
    )
    for size in (int(s) for s in args.customers.split(",")):
        out = subprocess.run(
            [sys.executable, "-m", "tests.bench.bench_seed", "--one", str(size), "--seed", str(args.seed)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        r = json.loads(out)
        print(
            f"{r['customers']:>10} {r['seconds']:>8.2f} {r['customers'] / r['seconds']:>9.0f} "
            f"{r['relations']:>10} {r['by_customer'] * 1000:>11.0f} {r['by_member'] * 1000:>11.0f} "
            f"{r['rss_mb']:>12.0f} {r['rss_mb'] - r['baseline_mb']:>14.0f}"
        )


if __name__ == "__main__":
    main()
