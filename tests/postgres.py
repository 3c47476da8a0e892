"""PostgreSQL for the `cluster` tests: the server REELHOUSE_TEST_DATABASE_URL names, else a
private one (reelhouse.postgres) initialised once per session; each user gets its own database.
"""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

import pytest

from reelhouse import postgres

TEST_URL_VARIABLE = "REELHOUSE_TEST_DATABASE_URL"
# Both kinds of database an API test runs on; the PostgreSQL case is a cluster test.
DATABASE_KINDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.cluster)]


class Databases:
    """Fresh databases on one PostgreSQL server, dropped when the session ends."""

    def __init__(self, server_url: str) -> None:
        self.server_url = server_url
        self._names = itertools.count()
        self._made: list[str] = []

    def new(self) -> str:
        """The URL of a new, empty database."""
        name = f"rh_test_{os.getpid()}_{next(self._names)}"
        self._made.append(name)
        return postgres.create_database(self.server_url, name)

    def drop_all(self) -> None:
        for name in self._made:
            postgres.drop_database(self.server_url, name)


def unavailable(reason: str) -> NoReturn:
    # Under CI the cluster tests must run: a missing server is a failure there, not a skip.
    if os.environ.get("CI") == "true":
        pytest.fail(f"PostgreSQL needed under CI: {reason}")
    pytest.skip(reason)


@contextmanager
def private_server() -> Iterator[postgres.PostgresServer]:
    """A private, non-durable server in a temp dir, removed afterwards; skips (or fails under
    CI) when PostgreSQL cannot run here."""
    data = Path(tempfile.mkdtemp(prefix="reelhouse-pg-"))
    try:
        server = postgres.start(data, durable=False)
    except postgres.PostgresUnavailable as e:
        shutil.rmtree(data, ignore_errors=True)
        unavailable(str(e))
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(data, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_databases() -> Iterator[Databases]:
    """New databases on REELHOUSE_TEST_DATABASE_URL's server or a private one."""
    named = os.environ.get(TEST_URL_VARIABLE)
    if named:
        databases = Databases(named)
        yield databases
        databases.drop_all()
        return
    with private_server() as server:
        yield Databases(server.url)


def database_url(kind: str, request: pytest.FixtureRequest, sqlite_path: Path) -> str:
    """A fresh database of `kind` ("sqlite": a file at `sqlite_path`, "postgres": a new one)."""
    if kind == "sqlite":
        return f"sqlite:///{sqlite_path}"
    databases: Databases = request.getfixturevalue("postgres_databases")
    return databases.new()
