"""The API while its PostgreSQL restarts: quick 503s, then service again without a restart."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from fastapi.testclient import TestClient
from moto import mock_aws

from reelhouse import postgres
from signing_api.app import create_app
from tests.postgres import private_server
from tests.unit.api.conftest import unit_settings


@pytest.fixture
def server() -> Iterator[postgres.PostgresServer]:
    """A private server of this test's own, since the test stops it."""
    with private_server() as running:
        yield running


@pytest.mark.cluster
def test_requests_fail_fast_while_postgres_restarts_and_recover(
        server: postgres.PostgresServer, tmp_path: Path) -> None:
    """With the server down, a request is a 503 (not a hang, not a 500); once it is back on
    its port, the same app answers again from fresh connections."""
    settings = unit_settings(tmp_path, database_url=server.url)
    with mock_aws():
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket=settings.s3_bucket)
        client = TestClient(create_app(settings))
        assert client.get("/api/v1/videos").status_code == 200
        server.stop()
        started = time.monotonic()
        down = client.get("/api/v1/videos")
        assert down.status_code == 503, down.text
        assert down.json()["error"] == "database_unavailable"
        assert time.monotonic() - started < 8
        postgres.start(server.data_dir, port=server.port, durable=False)
        assert client.get("/api/v1/videos").status_code == 200
