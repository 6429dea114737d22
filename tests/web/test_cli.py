"""The `scrm` command: help for every subcommand, migrations, inbox listing and replay, health on failure."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from tortoise import connections

from bot.inbox.models import InboxEvent
from tests.callbacks import contact_event_xml, post_event

COMMANDS = ["serve", "worker", "sync", "migrate", "emulator", "inbox", "demo"]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_subcommand_explains_itself(command):
    done = subprocess.run(
        [sys.executable, "-m", "sidebar_web.cli", command, "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0
    assert done.stdout.startswith(f"usage: scrm {command}")


def settings_env(settings) -> dict:
    return {
        **os.environ,
        "SCRM_DATA__DIR": settings.data.dir,
        "SCRM_DATABASE__URL": settings.database.url,
    }


def scrm(settings, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sidebar_web.cli", *args],
        env=settings_env(settings),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_migrate_applies_the_schema_once_and_check_agrees(settings):
    first = scrm(settings, "migrate", "--check")
    assert first.returncode in (0, 1)  # PostgreSQL runs may share an already migrated database
    applied = scrm(settings, "migrate")
    assert applied.returncode == 0, applied.stderr
    again = scrm(settings, "migrate")
    assert again.stdout.strip() == "database schema is up to date"
    assert scrm(settings, "migrate", "--check").returncode == 0


async def test_inbox_lists_dead_events_with_their_error_and_replays_them(
    make_settings, aiohttp_client, crypto, corp
):
    from sidebar_web.app import create_app

    settings = make_settings()
    server = await aiohttp_client(create_app(settings, run_worker=False))
    xml = contact_event_xml(corp.corp_id, "del_follow_user", "zhangsan", "wmDeadOne", 1700000001)
    await post_event(server, crypto, xml)
    await InboxEvent.filter(payload=xml).update(status="dead", attempts=8, last_error="WeComError: 84061")
    listing = scrm(settings, "inbox")
    assert listing.returncode == 0, listing.stderr
    assert "1 stored, 0 pending, 1 dead, 0 handled (kept 30 day(s), then deleted)" in listing.stdout
    assert (
        "change_external_contact/del_follow_user" in listing.stdout and "WeComError: 84061" in listing.stdout
    )
    replay = scrm(settings, "inbox", "replay", "--all")
    assert replay.stdout.strip() == "queued 1 event(s) again (dead events)"
    row = await InboxEvent.get(payload=xml)
    assert (row.status, row.attempts) == ("pending", 0)
    assert scrm(settings, "inbox", "replay").returncode == 2


async def test_health_is_503_when_the_database_is_gone(make_settings, aiohttp_client):
    from sidebar_web.app import create_app

    settings = make_settings()
    if settings.database.url:
        pytest.skip("takes the SQLite file away; PostgreSQL cannot be stopped from a test")
    server = await aiohttp_client(create_app(settings, run_worker=False))
    assert (await server.get("/healthz")).status == 200
    await connections.get("default").close()
    path = Path(settings.database_url.removeprefix("sqlite://"))
    _replace_with_directory(path)
    try:
        response = await server.get("/healthz")
        assert response.status == 503
        assert await response.json() == {"status": "error", "database": "unreachable"}
    finally:
        shutil.rmtree(path)


def _replace_with_directory(path: Path) -> None:
    """The database file becomes a directory: the next connection attempt fails."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    path.mkdir()


async def test_demo_syncs_a_seeded_corp_and_user_actions_reach_the_mirror(tmp_path):
    import asyncio
    import signal

    import aiohttp

    proc, lines = await start_and_read(
        [
            "demo",
            "--port",
            "0",
            "--emulator-port",
            "0",
            "--customers",
            "300",
            "--data-dir",
            str(tmp_path / "d"),
        ],
        "  data directory",
    )
    try:
        banner = "\n".join(lines)
        assert "(verified by the emulator)" in banner and "/console/" in banner
        server = next(line.split()[1] for line in lines if line.startswith("  server"))
        emulator = next(line.split()[2] for line in lines if line.startswith("  WeCom emulator"))
        emulator = emulator.removesuffix("/_emulator/config")
        token = re.search(r"Bearer ([A-Za-z0-9_-]+)", banner).group(1)
        async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {token}"}) as http:
            seeded = await (await http.get(f"{emulator}/_emulator/customers")).json()
            mirrored = await (await http.get(f"{server}/api/v1/customers", params={"limit": 1})).json()
            # Sync and callbacks brought the seeded corp over: every customer WeCom still lists, and the
            # ones who had deleted their advisor (announced by del_follow_user) are lost.
            assert 250 <= mirrored["dedup_total"] <= len(seeded)
            lost = await (await http.get(f"{server}/api/v1/customers", params={"status": "lost"})).json()
            assert lost["total"] > 0
            staff = next(
                m["userid"] for m in (await (await http.get(f"{server}/api/v1/members")).json())["items"]
            )
            added = await http.post(
                f"{emulator}/_emulator/actions/customer_adds_member",
                json={"userid": staff, "customer": {"name": "演示新客户"}, "state": "demo"},
            )
            assert added.status == 200
            ext = (await added.json())["external_userid"]
            for _ in range(100):
                found = await http.get(f"{server}/api/v1/customers/{ext}")
                if found.status == 200:
                    break
                await asyncio.sleep(0.05)
            assert (await found.json())["name"] == "演示新客户"
    finally:
        proc.send_signal(signal.SIGINT)
        code = await asyncio.wait_for(proc.wait(), 30)
    assert code == 0
    errors = (await proc.stderr.read()).decode()
    assert "database schema is behind: applying" in errors and "Traceback" not in errors


async def test_the_worker_command_drains_stored_events_and_stops_cleanly(
    make_settings, aiohttp_client, crypto, corp
):
    import asyncio
    import signal

    from sidebar_web.app import create_app

    settings = make_settings()
    server = await aiohttp_client(create_app(settings, run_worker=False))
    for n in range(3):
        unknown = (
            f"<xml><ToUserName>{corp.corp_id}</ToUserName><FromUserName>sys</FromUserName>"
            f"<CreateTime>{1700000000 + n}</CreateTime><MsgType>event</MsgType>"
            "<Event>future_event</Event></xml>"
        )
        await post_event(server, crypto, unknown)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "sidebar_web.cli", "worker", env=settings_env(settings),
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        for _ in range(300):
            if not await InboxEvent.filter(status__in=InboxEvent.UNFINISHED).exists():
                break
            await asyncio.sleep(0.05)
    finally:
        proc.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(proc.wait(), 30)
    # No handler is registered for an unknown event: the worker records it as skipped, not failed.
    assert await InboxEvent.filter(status="skipped").count() == 3
    assert code == 0, (await proc.stderr.read()).decode()


async def test_the_emulator_command_prints_the_credentials_it_uses(tmp_path):
    import asyncio
    import signal

    proc, lines = await start_and_read(["emulator", "--port", "0", "--seed", "3"], "  control")
    proc.send_signal(signal.SIGINT)
    await asyncio.wait_for(proc.wait(), 30)
    printed = dict(line.split(None, 1) for line in lines[1:])
    from bot.settings import load

    # What it prints is exactly what our settings accept.
    settings = load(
        env={
            "SCRM_WECOM__CORP_ID": printed["corp_id"],
            "SCRM_WECOM__TOKEN": printed["token"],
            "SCRM_WECOM__ENCODING_AES_KEY": printed["encoding_aes_key"],
            "SCRM_WECOM__API_BASE_URL": printed["API"].split()[2],
        }
    )
    assert settings.wecom.callback_ready and settings.wecom.api_base_url.startswith("http://127.0.0.1:")


async def start_and_read(args: list[str], last_line: str):
    """Start `scrm ARGS` without SCRM_ settings; read its banner up to the line starting `last_line`."""
    import asyncio

    env = {k: v for k, v in os.environ.items() if not k.startswith("SCRM_")}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "sidebar_web.cli",
        *args,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    lines: list[str] = []
    while not lines or not lines[-1].startswith(last_line):
        line = await asyncio.wait_for(proc.stdout.readline(), 30)
        if not line:
            proc.kill()
            raise AssertionError((await proc.stderr.read()).decode())
        lines.append(line.decode().rstrip())
    return proc, lines
