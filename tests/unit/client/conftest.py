"""Fixtures for SDK unit tests: the fake API and S3, and a client wired to them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from reelhouse.client import Client, RetryPolicy
from tests.unit.client.fakes import API, FakeCloud


@pytest.fixture
def cloud() -> FakeCloud:
    return FakeCloud()


@pytest.fixture
def client(cloud: FakeCloud, tmp_path: Path) -> Iterator[Client]:
    """A signed-in client on the fake cloud that never sleeps between retries."""
    transport = cloud.transport()
    with Client(API, "rh_abc_secret", transport=transport, storage_transport=transport,
                resume_dir=tmp_path / "resume",
                retry=RetryPolicy(attempts=4, base_s=0.0)) as client:
        yield client


@pytest.fixture
def film(tmp_path: Path) -> Path:
    """A 95-byte "film": ten parts of ten bytes at the fake's part size, the last one short."""
    path = tmp_path / "film.mp4"
    path.write_bytes(bytes(range(95)))
    return path
