"""Moving model classes between modules changes no schema: a database made by the migrations as they stand
upgrades with nothing pending, its rows read back through every domain's models, and the models agree
with the migration state (no new migration would be written)."""

from __future__ import annotations

from tortoise import Tortoise, connections
from tortoise.migrations.autodetector import MigrationAutodetector

from bot.contacts.models import Customer
from bot.followups.models import Stage
from bot.inbox.models import InboxEvent
from bot.radar.models import RadarGroup
from bot.store import db
from bot.store.models import WeComToken
from tests.web.test_cli import scrm

WHEN = "2026-05-01T08:00:00+00:00"
# Rows as the code before the move wrote them, one table of each package, by plain SQL.
ROWS = (
    "INSERT INTO wecom_token (key, value, expires_at) VALUES ('token:corp', 'abc', 1900000000.0)",
    "INSERT INTO customer (external_userid, name, avatar, type, gender, unionid, corp_name, corp_full_name,"
    " position, lost, lost_at, first_added_at, synced_at)"
    f" VALUES ('wmOld', '老客户', '', 1, 2, '', '', '', '', FALSE, NULL, '{WHEN}', '{WHEN}')",
    'INSERT INTO stage (id, name, "order", default_key, deleted, created_at)'
    f" VALUES (7, '意向', 1, NULL, FALSE, '{WHEN}')",
    "INSERT INTO radar_group (id, name, \"order\", visible_departments, created_at) VALUES (3, '产品资料', 0,"
    f" '[1]', '{WHEN}')",
    "INSERT INTO inbox_event (id, dedup_key, event, change_type, partition_key, create_time, payload,"
    " received_at, status, attempts, next_attempt_at, lease_until, claimed_by, last_error, finished_at)"
    f" VALUES (11, 'k1', 'change_external_contact', 'add_external_contact', 'wmOld', 1700000000, '<xml/>',"
    f" '{WHEN}', 'done', 1, '{WHEN}', NULL, '', '', '{WHEN}')",
)


async def test_a_database_from_before_the_move_upgrades_with_nothing_pending_and_reads_back(settings):
    made = scrm(settings, "migrate")
    assert made.returncode == 0, made.stderr
    await db.open_db(settings, migrate=False)
    try:
        conn = connections.get("default")
        for sql in ROWS:
            await conn.execute_script(sql)
    finally:
        await db.close_db()

    check = scrm(settings, "migrate", "--check")
    assert check.returncode == 0, check.stdout + check.stderr

    await db.open_db(settings, migrate=False)
    try:
        assert await db.pending_migrations() == []
        assert (await WeComToken.get(key="token:corp")).value == "abc"
        customer = await Customer.get(external_userid="wmOld")
        assert (customer.name, customer.gender) == ("老客户", 2)
        assert (await Stage.get(id=7)).name == "意向"
        assert (await RadarGroup.get(id=3)).visible_departments == [1]
        assert (await InboxEvent.get(id=11)).status == InboxEvent.DONE
    finally:
        await db.close_db()


async def test_the_models_match_the_migrations_so_no_migration_is_due(settings):
    await db.open_db(settings, migrate=True)
    try:
        app = {db.APP: dict(db.MODELS_APP)}
        changes = await MigrationAutodetector(Tortoise.apps, app).changes()
        assert [str(op) for writer in changes for op in writer.operations] == []
    finally:
        await db.close_db()


def test_every_models_module_belongs_to_the_one_app():
    """Each domain's tables register with the app the migrations name ("models"), so a model moved
    between modules keeps its migration state."""
    assert db.MODELS_APP["models"] == db.MODEL_MODULES
    for module in db.MODEL_MODULES:
        assert module.startswith("bot.") and module.endswith(".models")
