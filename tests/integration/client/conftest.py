"""Fixtures for SDK tests: the signing API served by uvicorn in-process over the embedded S3."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn

from reelhouse import accounts
from reelhouse.config import Settings
from reelhouse.db import Database
from signing_api.app import create_app
from tests import helpers
from tests.helpers import free_port

MIB = 1024 * 1024
_names = itertools.count()


@dataclass
class ApiServer:
    """A signing API answering on a real port, and the settings it was built with."""

    settings: Settings
    url: str
    server: uvicorn.Server
    thread: threading.Thread

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(15)

    def user_token(self, role: str = "user") -> str:
        """A token for a new user with a unique name."""
        with Database(self.settings).session() as session:
            user = accounts.create_user(session, f"sdk{next(_names)}", "correct horse", role)
            token, _ = accounts.issue_token(session, user, 3600)
        return token


def serve_api(settings: Settings) -> ApiServer:
    """Start `create_app(settings)` under uvicorn in a thread; return once it accepts requests."""
    port = free_port()
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=port,
                            log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="api", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the in-process API did not start")
        time.sleep(0.05)
    return ApiServer(settings, f"http://127.0.0.1:{port}", server, thread)


@pytest.fixture(scope="package", autouse=True)
def cheap_password_hashing() -> Iterator[None]:
    """argon2 at its smallest cost: these tests are about transfers, not the hash strength."""
    with helpers.cheap_password_hashing():
        yield


@pytest.fixture(scope="package")
def start_api(s3_settings: Settings,
              tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., ApiServer]]:
    """Start an API over the session's embedded S3 with its own database and overrides."""
    servers: list[ApiServer] = []

    def start(**overrides: object) -> ApiServer:
        db: Path = tmp_path_factory.mktemp("sdk-db") / "api.db"
        settings = s3_settings.model_copy(update={"database_url": f"sqlite:///{db}",
                                                  **overrides})
        Database(settings).upgrade()
        servers.append(serve_api(settings))
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


@pytest.fixture(scope="package")
def api(start_api: Callable[..., ApiServer]) -> ApiServer:
    """An API with 5 MiB parts and two part URLs per signing request."""
    return start_api(part_size_bytes=5 * MIB, part_url_batch=2)
