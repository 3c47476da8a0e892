"""Fixtures for dashboard unit tests: the real API in-process on moto's S3, and users."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from pathlib import Path

import boto3
import pytest
from fastapi.testclient import TestClient
from moto import mock_aws

from dashboard import catalog
from dashboard.api import Api
from dashboard.store import Store
from reelhouse import accounts
from reelhouse.config import Settings
from reelhouse.db import User, Video, utcnow
from signing_api.app import create_app
from signing_api.deps import Services
from signing_api.ratelimit import RateLimits
from tests import helpers
from tests.unit.api.conftest import unit_settings

PASSWORD = "correct horse"
_names = itertools.count()


@pytest.fixture(scope="module", autouse=True)
def cheap_password_hashing() -> Iterator[None]:
    """argon2 at its cheapest: these tests are about the dashboard, not the hash."""
    with helpers.cheap_password_hashing():
        yield


class Snapshot:
    """Stands in for the cached `catalog.connection`: returns `con` (None: no catalog)."""

    def __init__(self, con: object = None) -> None:
        self.con = con

    def __call__(self) -> object:
        return self.con


@pytest.fixture(autouse=True)
def no_catalog(monkeypatch: pytest.MonkeyPatch) -> Snapshot:
    """No catalog unless a test provides one: the dashboard must work on the API alone."""
    snapshot = Snapshot()
    monkeypatch.setattr(catalog, "connection", snapshot)
    monkeypatch.setattr(catalog, "_own_rows", lambda video_id, table: [])
    return snapshot


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return unit_settings(Path(tmp_path_factory.mktemp("dashboard-unit")))


@pytest.fixture(scope="module")
def client(settings: Settings) -> Iterator[TestClient]:
    with mock_aws():
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket=settings.s3_bucket)
        app = create_app(settings, limits=RateLimits())  # a few failed sign-ins stay far below
        yield TestClient(app)


@pytest.fixture(scope="module")
def services(client: TestClient) -> Services:
    return client.app.state.services  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def make_user(services: Services) -> Callable[..., User]:
    """A new user with PASSWORD and a unique name."""

    def make(role: str = "user") -> User:
        with services.db.session() as session:
            return accounts.create_user(session, f"viewer{next(_names)}", PASSWORD, role)

    return make


@pytest.fixture(scope="module")
def make_video(services: Services) -> Callable[..., Video]:
    """A video row owned by `owner` (ids grow with creation order, newest last)."""

    def make(owner: User, title: str = "A video", visibility: str = "public",
             status: str = "ready", description: str = "") -> Video:
        return helpers.add_video(services.db, owner, title=title, description=description,
                                 visibility=visibility, status=status, source_size=1234,
                                 upload_version=1, uploaded_at=utcnow())

    return make


@pytest.fixture
def api(client: TestClient) -> Api:
    return Api("http://api.invalid", client=client)


@pytest.fixture
def store(api: Api) -> Store:
    return Store(api=api)
