"""The storage suite runs on both SeaweedFS layouts: `weed mini` and the cluster of processes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from reelhouse import seaweed
from reelhouse.config import Settings, load_settings
from reelhouse.stack import Supervisor
from reelhouse.storage import Storage
from tests.helpers import free_s3_port


def start_cluster(state: Path) -> tuple[Settings, Supervisor]:
    """A running SeaweedFS cluster (master, volume servers, filer, S3 gateway) with our bucket."""
    settings = load_settings(state_dir=state, s3_port=free_s3_port(),
                             database_url=f"sqlite:///{state / 'reelhouse.db'}")
    supervisor = Supervisor(state / "logs")
    try:
        for service in seaweed.cluster_services(settings):
            supervisor.start(service, timeout_s=60)
        Storage(settings).ensure_bucket(settings.allowed_origins)
    except BaseException:
        supervisor.stop()
        raise
    return settings, supervisor


@pytest.fixture(scope="session")
def cluster_s3_settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """Settings for a running SeaweedFS cluster shared by the storage suite."""
    settings, supervisor = start_cluster(tmp_path_factory.mktemp("reelhouse-cluster"))
    try:
        yield settings
    finally:
        supervisor.stop()


@pytest.fixture(scope="session",
                params=["embedded", pytest.param("cluster", marks=pytest.mark.cluster)])
def s3_settings(request: pytest.FixtureRequest, s3_settings: Settings) -> Settings:
    """The embedded S3's settings, then the cluster's: every storage test runs on both."""
    if request.param == "embedded":
        return s3_settings
    return request.getfixturevalue("cluster_s3_settings")


@pytest.fixture(scope="session")
def storage(s3_settings: Settings) -> Storage:
    """Our storage helpers against the layout under test."""
    return Storage(s3_settings)


@pytest.fixture
def fresh_cluster(tmp_path: Path) -> Iterator[tuple[Settings, Supervisor]]:
    """A cluster of its own for a test that breaks it, with the supervisor owning its processes."""
    settings, supervisor = start_cluster(tmp_path / "state")
    try:
        yield settings, supervisor
    finally:
        supervisor.stop()
