"""The `scrm` command: parse arguments, load settings, run. Every failure to start is one line.

It lives in the top layer because `serve` and `demo` compose the web application."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence

from bot import logs
from bot.settings import Settings, SettingsError, load

log = logging.getLogger("scrm")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="scrm",
        description="Self-hosted SCRM for WeCom customer contacts. Settings: config/default.toml, "
        "then --config FILE (or SCRM_CONFIG), then SCRM_<SECTION>__<KEY> environment variables.",
    )
    parser.add_argument("--config", metavar="FILE", help="settings file overriding config/default.toml")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("serve", help="run the HTTP server (callback, pages, API) and, by default, the worker")
    p.add_argument("--host", help="listen address (server.host)")
    p.add_argument("--port", type=int, help="listen port (server.port)")
    p.add_argument("--no-worker", action="store_true", help="do not drain the inbox in this process")

    sub.add_parser("worker", help="drain the callback inbox without serving HTTP")

    p = sub.add_parser(
        "sync", help="read departments, members, tags, customers and groups from WeCom into the mirror"
    )
    p.add_argument(
        "--restart", action="store_true", help="start over instead of resuming an interrupted sync"
    )

    p = sub.add_parser("migrate", help="apply pending database migrations")
    p.add_argument("--check", action="store_true", help="only list pending migrations; exit 1 if any")

    p = sub.add_parser(
        "emulator", help="run the WeCom emulator (a local stand-in for WeCom's API and callbacks)"
    )
    p.add_argument("--host", help="listen address (emulator.host)")
    p.add_argument("--port", type=int, help="listen port (emulator.port)")
    p.add_argument("--callback-url", help="our server's callback URL; verified at start like WeCom does")
    p.add_argument("--seed", type=int, default=None, help="seed for the generated corp credentials")

    p = sub.add_parser("inbox", help="list pending and dead callback events, or replay them")
    inbox_sub = p.add_subparsers(dest="inbox_command", metavar="ACTION")
    ls = inbox_sub.add_parser("list", help="list pending and dead events (the default)")
    ls.add_argument("--limit", type=int, default=50, help="most events to list per status (default 50)")
    rp = inbox_sub.add_parser("replay", help="queue an event again, or every dead event with --all")
    rp.add_argument("event_id", nargs="?", type=int, help="the event's id (see `scrm inbox list`)")
    rp.add_argument("--all", action="store_true", help="replay every dead event")
    dl = inbox_sub.add_parser("delete", help="delete a dead event, or every dead event with --all")
    dl.add_argument("event_id", nargs="?", type=int, help="the dead event's id (see `scrm inbox list`)")
    dl.add_argument("--all", action="store_true", help="delete every dead event")

    p = sub.add_parser("demo", help="run server, worker and a WeCom emulator together in one process")
    p.add_argument("--data-dir", help="keep the demo's data here (default: a temporary directory)")
    p.add_argument("--port", type=int, default=8080, help="server port (default 8080; 0 picks a free one)")
    p.add_argument("--emulator-port", type=int, default=8081, help="emulator port (default 8081)")
    p.add_argument("--customers", type=int, default=5000, help="customers in the seeded corp (default 5000)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load(args.config)
        if args.command == "serve":
            overrides = {k: v for k, v in (("host", args.host), ("port", args.port)) if v is not None}
            settings = settings.replace(server=overrides) if overrides else settings
        logs.setup(settings)
        return _run(args, settings)
    except SettingsError as exc:
        print(f"scrm: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except OSError as exc:
        # Port in use, database server down, unreadable data directory: one line, no traceback.
        print(f"scrm: {exc.strerror or exc}", file=sys.stderr)
        return 1


def _run(args: argparse.Namespace, settings: Settings) -> int:
    from sidebar_web import commands
    from sidebar_web.demo import runner as demo

    if args.command == "serve":
        return commands.serve(settings, worker=not args.no_worker)
    if args.command == "worker":
        return commands.worker(settings)
    if args.command == "sync":
        return asyncio.run(commands.sync(settings, restart=args.restart))
    if args.command == "migrate":
        return asyncio.run(commands.migrate(settings, check=args.check))
    if args.command == "emulator":
        return asyncio.run(commands.emulator(settings, args.host, args.port, args.callback_url, args.seed))
    if args.command == "inbox":
        action = args.inbox_command or "list"
        if action in ("replay", "delete") and args.event_id is None and not args.all:
            print(f"scrm: inbox {action} needs an event id or --all", file=sys.stderr)
            return 2
        limit = getattr(args, "limit", 50)
        return asyncio.run(commands.inbox(settings, action, getattr(args, "event_id", None), limit))
    if args.command == "demo":
        if args.customers < 0:
            print("scrm: demo --customers must not be negative", file=sys.stderr)
            return 2
        return asyncio.run(demo.demo(settings, args.data_dir, args.port, args.emulator_port, args.customers))
    raise AssertionError(args.command)  # argparse only accepts the commands above


if __name__ == "__main__":
    sys.exit(main())
