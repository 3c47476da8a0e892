"""Shared fixtures: a real embedded S3 (SeaweedFS) for the session, settings pointing at it."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from reelhouse import seaweed
from reelhouse.config import Settings, load_settings
from reelhouse.stack import Supervisor, port_free, s3_service
from reelhouse.storage import Storage


def free_s3_port() -> int:
    """An S3 port whose derived SeaweedFS ports (and their gRPC twins) are all free."""
    for _ in range(200):
        port = random.randrange(20_000, 40_000)
        probe = load_settings(s3_port=port, state_dir=Path("/nonexistent"))
        if all(port_free("127.0.0.1", p) for p in seaweed.ports(probe).values()):
            return port
    raise RuntimeError("no free port range for SeaweedFS")


@pytest.fixture(scope="session")
def s3_settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """Settings for a running embedded SeaweedFS with our bucket, CORS and lifecycle set up."""
    state = tmp_path_factory.mktemp("reelhouse-state")
    settings = load_settings(state_dir=state, s3_port=free_s3_port(),
                             database_url=f"sqlite:///{state / 'reelhouse.db'}")
    supervisor = Supervisor(state / "logs")
    supervisor.start(s3_service(settings), timeout_s=60)
    try:
        Storage(settings).ensure_bucket(settings.allowed_origins)
        yield settings
    finally:
        supervisor.stop()


@pytest.fixture(scope="session")
def storage(s3_settings: Settings) -> Storage:
    """Our storage helpers against the embedded S3."""
    return Storage(s3_settings)
