"""The private PostgreSQL: a server in a directory that keeps its data across restarts."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from reelhouse import postgres
from reelhouse.db import engine_url
from tests.postgres import unavailable


def test_urls_naming_postgres_get_psycopg_3() -> None:
    """`postgresql://` and `postgres://` (as hosts hand them out) use psycopg 3, others stay;
    a database URL naming PostgreSQL is used as it is, with no private server started."""
    assert engine_url("postgresql://u:p@h/db") == "postgresql+psycopg://u:p@h/db"
    assert engine_url("postgres://u:p@h/db") == "postgresql+psycopg://u:p@h/db"
    assert engine_url("postgresql+psycopg2://h/db") == "postgresql+psycopg2://h/db"
    assert engine_url("sqlite:///x.db") == "sqlite:///x.db"
    assert postgres.is_postgres("postgresql+psycopg://h/db")
    assert not postgres.is_postgres("sqlite:///x.db") and not postgres.is_postgres(None)
    named = "postgresql://u:p@db.example/reelhouse"
    assert postgres.named_or_private(named, Path("/nonexistent")) == (named, None)


@pytest.fixture
def data_dir() -> Iterator[Path]:
    # Not pytest's tmp_path: as root the server runs as `postgres`, which may not enter it.
    path = Path(tempfile.mkdtemp(prefix="reelhouse-pg-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.mark.cluster
def test_a_server_keeps_its_data_across_a_restart(data_dir: Path) -> None:
    """start() initialises the directory once; started again (on another free port) it has
    the same database, password and rows; it never runs as root."""
    try:
        server = postgres.start(data_dir, durable=False)
    except postgres.PostgresUnavailable as e:
        unavailable(str(e))
    try:
        engine = create_engine(server.url)
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE kept (word text)"))
            connection.execute(text("INSERT INTO kept VALUES ('still here')"))
            directory = connection.execute(text("SELECT current_setting('data_directory')"))
            assert directory.scalar() == str(data_dir / "pgdata")
        engine.dispose()
        pid = int((data_dir / "pgdata" / "postmaster.pid").read_text().split()[0])
        assert os.stat(f"/proc/{pid}").st_uid != 0
    finally:
        server.stop()
    assert not (data_dir / "pgdata" / "postmaster.pid").exists()
    again = postgres.start(data_dir, durable=False)
    try:
        engine = create_engine(again.url)
        with engine.connect() as connection:
            assert connection.execute(text("SELECT word FROM kept")).scalar() == "still here"
        engine.dispose()
    finally:
        again.stop()
