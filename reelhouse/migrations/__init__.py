"""The API database's schema history (Alembic revisions in `versions/`), run from code.

`upgrade` brings any database to the newest revision: an empty one, one made by `create_all`
before migrations existed (adopted in place), or one a few revisions behind. It holds a lock
while it works (a PostgreSQL advisory lock, a file lock beside a SQLite file), so API
processes starting together on many hosts migrate once and the others wait, then find
nothing to do.
"""

from __future__ import annotations

import fcntl
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect, text
from sqlalchemy.engine import Engine

from reelhouse.private import open_private

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
# Any constant shared by every Reelhouse process: pg_advisory_lock takes a bigint.
_LOCK_KEY = 0x7265656C686F7573  # "reelhous"


def config(connection: Connection | None = None) -> Config:
    """Alembic's configuration, built here rather than read from an alembic.ini."""
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    cfg.attributes["connection"] = connection
    return cfg


def head() -> str:
    """The newest revision this code knows."""
    revision = ScriptDirectory.from_config(config()).get_current_head()
    assert revision is not None
    return revision


def current(engine: Engine) -> str | None:
    """The revision the database is at (None: never migrated)."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


@contextmanager
def _locked(connection: Connection) -> Iterator[None]:
    """One migrator at a time per database, across processes and hosts."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _LOCK_KEY})
        connection.commit()
        try:
            yield
        finally:
            connection.rollback()
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _LOCK_KEY})
            connection.commit()
        return
    database = connection.engine.url.database
    if connection.dialect.name != "sqlite" or not database or database == ":memory:":
        yield
        return
    with open(f"{database}.migrate-lock", "a", opener=open_private) as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate the database to `revision` (default: the newest), adopting a pre-migration one."""
    with engine.connect() as connection, _locked(connection):
        tables = set(inspect(connection).get_table_names())
        if tables and "alembic_version" not in tables:
            log.info("adopting a database made before migrations (%s tables)", len(tables))
        command.upgrade(config(connection), revision)
        connection.commit()


def drift(engine: Engine) -> list[Any]:
    """What differs between the database and the models in reelhouse.db (empty: no drift)."""
    from reelhouse.db import Base

    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))
