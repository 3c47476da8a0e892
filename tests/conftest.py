"""Shared fixtures: a real embedded S3 (SeaweedFS) for the session, settings pointing at it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from reelhouse.config import Settings, load_settings
from reelhouse.stack import Supervisor, s3_service
from reelhouse.storage import Storage
from tests.helpers import free_s3_port
from tests.postgres import postgres_databases  # noqa: F401 (a session fixture for every test)


@pytest.fixture(scope="session")
def s3_settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """Settings for a running embedded SeaweedFS with our bucket, CORS and lifecycle set up."""
    state = tmp_path_factory.mktemp("reelhouse-state")
    # No Dagster webserver for the API to launch runs through: the uploads sensor starts them
    # (tests/integration/pipeline/test_direct_launch.py turns the launch on).
    settings = load_settings(state_dir=state, s3_port=free_s3_port(),
                             database_url=f"sqlite:///{state / 'reelhouse.db'}",
                             direct_launch=False)
    supervisor = Supervisor(state / "logs")
    supervisor.start(s3_service(settings), timeout_s=60)
    try:
        Storage(settings).ensure_bucket()
        yield settings
    finally:
        supervisor.stop()


@pytest.fixture(scope="session")
def storage(s3_settings: Settings) -> Storage:
    """Our storage helpers against the embedded S3."""
    return Storage(s3_settings)
