"""Alembic migrations of the API database: the schema they make, adopting pre-migration
databases, the `reelhouse db` commands and concurrent upgrades on PostgreSQL."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, create_engine, text

from reelhouse import migrations
from reelhouse.cli import main
from reelhouse.db import Base, Database
from tests.postgres import Databases

PRE_MIGRATION_SCHEMA = Path(__file__).with_name("pre_migration_schema.sql")
ROOT = Path(__file__).resolve().parents[3]
UPGRADE = [sys.executable, "-c", "from reelhouse.cli import main; main()", "db", "upgrade"]


def _database(url: str) -> Database:
    from reelhouse.config import load_settings

    return Database(load_settings(database_url=url))


def _sqlite_schema(engine: Engine) -> set[str]:
    with engine.connect() as connection:
        rows = connection.execute(text(
            "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL "
            "AND name NOT LIKE 'alembic_version%'")).scalars()
        # A table a later revision rebuilt (SQLite's batch copy) is renamed into place, and
        # SQLite then records its name quoted: the same table.
        return {re.sub(r'^CREATE TABLE "(\w+)"', r"CREATE TABLE \1", " ".join(sql.split()))
                for sql in rows}


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'api.db'}"


def test_a_fresh_sqlite_upgrade_makes_exactly_the_create_all_schema(sqlite_url: str) -> None:
    """From empty, the migrations make the very tables, indexes and constraints the models
    describe: the same DDL `create_all` emits, and no drift by Alembic's comparison."""
    db = _database(sqlite_url)
    db.upgrade()
    reference = create_engine("sqlite://")
    Base.metadata.create_all(reference)
    assert _sqlite_schema(db.engine) == _sqlite_schema(reference)
    assert migrations.drift(db.engine) == []
    assert migrations.current(db.engine) == migrations.head()


def _legacy_database(url: str, without: str | None = None) -> Engine:
    """A SQLite file as main made it before migrations (optionally missing one table),
    holding a user, a token and a video."""
    engine = create_engine(url)
    statements = [s for s in PRE_MIGRATION_SCHEMA.read_text().split(";\n") if s.strip()]
    with engine.begin() as connection:
        for statement in statements:
            if without is None or f" {without} " not in statement:
                connection.exec_driver_sql(statement)
        connection.exec_driver_sql(
            "INSERT INTO users VALUES (1, 'ada', 'x', 'admin', 0, '2026-01-01 00:00:00')")
        connection.exec_driver_sql(
            "INSERT INTO api_tokens VALUES ('abcd', 1, 'h', '', '2026-01-01 00:00:00', "
            "'2027-01-01 00:00:00', NULL)")
        connection.exec_driver_sql(
            "INSERT INTO videos VALUES ('01HZZZZZZZZZZZZZZZZZZZZZZZ', 1, 'Talk', '', 'public', "
            "'ready', '', 'talk.mp4', 'video/mp4', 10, '', 1, '2026-01-01 00:00:00', "
            "'2026-01-01 00:00:00', NULL)")
    engine.dispose()
    return engine


@pytest.mark.parametrize("without", [None, "video_progress"])
def test_a_pre_migration_database_is_upgraded_in_place_with_its_rows(
        sqlite_url: str, without: str | None) -> None:
    """A database `create_all` made (no alembic_version; an older one also without the later
    video_progress table) is adopted: its rows stay, missing tables appear, no drift."""
    _legacy_database(sqlite_url, without)
    db = _database(sqlite_url)
    db.upgrade()
    with db.engine.connect() as connection:
        assert connection.execute(text("SELECT username FROM users")).scalars().all() == ["ada"]
        # A ready video of the layout before versions is queued to be processed into one.
        assert connection.execute(text(
            "SELECT title, status, upload_version FROM videos")).all() == [("Talk", "uploaded", 2)]
        assert connection.execute(text("SELECT count(*) FROM api_tokens")).scalar() == 1
        assert connection.execute(text("SELECT count(*) FROM video_progress")).scalar() == 0
    assert migrations.current(db.engine) == migrations.head()
    assert migrations.drift(db.engine) == []


def test_the_db_commands_upgrade_report_and_check(sqlite_url: str) -> None:
    """`reelhouse db upgrade` migrates, `db current` says it is up to date, `db check` finds
    no drift, and `db check` fails naming the difference once a table is gone."""
    runner = CliRunner()
    env = {"REELHOUSE_DATABASE_URL": sqlite_url}
    before = runner.invoke(main, ["db", "current"], env=env)
    assert before.exit_code == 0 and before.output.startswith("none ")
    upgraded = runner.invoke(main, ["db", "upgrade"], env=env)
    assert upgraded.exit_code == 0, upgraded.output
    assert f"revision {migrations.head()}" in upgraded.output
    current = runner.invoke(main, ["db", "current"], env=env)
    assert "up to date" in current.output
    assert runner.invoke(main, ["db", "check"], env=env).exit_code == 0
    with create_engine(sqlite_url).begin() as connection:
        connection.exec_driver_sql("DROP TABLE rate_events")
    drifted = runner.invoke(main, ["db", "check"], env=env)
    assert drifted.exit_code == 1 and "rate_events" in drifted.output


# --- PostgreSQL ------------------------------------------------------------------------


@pytest.fixture
def postgres_url(postgres_databases: Databases) -> str:
    return postgres_databases.new()


@pytest.mark.cluster
def test_a_fresh_postgres_upgrade_has_no_drift(postgres_url: str) -> None:
    """On PostgreSQL the migrations make what the models describe (Alembic finds no drift)."""
    db = _database(postgres_url)
    db.upgrade()
    db.upgrade()  # a second run finds nothing to do
    assert migrations.drift(db.engine) == []
    assert migrations.current(db.engine) == migrations.head()


@pytest.mark.cluster
def test_concurrent_upgrades_on_postgres_run_one_at_a_time(postgres_url: str) -> None:
    """Two `reelhouse db upgrade` processes started together (as API hosts starting at once
    would) queue on the migration lock, and both succeed against one migrated schema."""
    env = {**os.environ, "REELHOUSE_DATABASE_URL": postgres_url}
    holder = create_engine(postgres_url)
    with holder.connect() as held:
        held.execute(text("SELECT pg_advisory_lock(:key)"), {"key": migrations._LOCK_KEY})
        held.commit()
        upgraders = [subprocess.Popen(UPGRADE, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                      stderr=subprocess.STDOUT) for _ in range(2)]
        deadline = time.monotonic() + 120
        while _lock_waiters(held) < 2:  # both are inside upgrade, blocked on the lock
            assert time.monotonic() < deadline, "the upgraders never reached the lock"
            assert all(p.poll() is None for p in upgraders), "an upgrader exited early"
            time.sleep(0.2)
        held.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": migrations._LOCK_KEY})
        held.commit()
    holder.dispose()
    outputs = [p.communicate(timeout=120)[0].decode() for p in upgraders]
    assert [p.returncode for p in upgraders] == [0, 0], outputs
    db = _database(postgres_url)
    assert migrations.current(db.engine) == migrations.head()
    assert migrations.drift(db.engine) == []


def _lock_waiters(connection: object) -> int:
    return connection.execute(text(  # type: ignore[attr-defined]
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")).scalar()


def test_config_never_shows_the_database_password() -> None:
    """`reelhouse config` shows the database URL with its password masked."""
    env = {"REELHOUSE_DATABASE_URL": "postgresql://api:hunter2-secret@db.example/reelhouse"}
    shown = CliRunner().invoke(main, ["config"], env=env)
    assert shown.exit_code == 0, shown.output
    assert "hunter2-secret" not in shown.output
    assert "postgresql://api:***@db.example/reelhouse" in shown.output
