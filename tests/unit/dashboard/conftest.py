"""Fixtures for dashboard unit tests: the real API in-process on moto's S3, and users."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from pathlib import Path

import boto3
import pyarrow as pa
import pytest
from fastapi.testclient import TestClient
from moto import mock_aws

from dashboard.store import Store
from reelhouse import accounts
from reelhouse.catalog import CatalogError
from reelhouse.catalog.snapshot import CatalogSnapshot
from reelhouse.client import Client, RetryPolicy
from reelhouse.config import Settings
from reelhouse.db import User, Video, utcnow
from signing_api.app import create_app
from signing_api.deps import Services
from signing_api.ratelimit import RateLimits
from tests import helpers
from tests.unit.api.conftest import unit_settings
from tests.unit.catalog import fakes

PASSWORD = "correct horse"
_names = itertools.count()


@pytest.fixture(scope="module", autouse=True)
def cheap_password_hashing() -> Iterator[None]:
    """argon2 at its cheapest: these tests are about the dashboard, not the hash."""
    with helpers.cheap_password_hashing():
        yield


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


class Catalog:
    """The API's catalog for a test: unreadable until `show` gives it tables."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.show(None)

    def show(self, tables: dict[str, object] | None) -> None:
        """Serve these Arrow tables as the catalog snapshot (None: the catalog is unreadable)."""
        from reelhouse.catalog import connect_arrow

        def connect() -> object:
            if tables is None:
                raise CatalogError("catalog: not there in this test")
            return connect_arrow(tables)  # type: ignore[arg-type]

        self.services.catalog = CatalogSnapshot(self.services.storage, connect_catalog=connect)

    def show_videos(self, video_ids: list[str]) -> pa.Table:
        """Generated catalog rows (and three rungs each) for these ids, served as the catalog;
        processing times 0.5-39.5 s. Returns the videos table."""
        videos = fakes.videos(len(video_ids))
        videos = videos.set_column(videos.schema.get_field_index("video_id"), "video_id",
                                   pa.array(video_ids, pa.string()))
        times = pa.array([float(i % 40) + 0.5 for i in range(len(video_ids))])
        videos = videos.set_column(videos.schema.get_field_index("processing_s"),
                                   "processing_s", times)
        self.show({"videos": videos, "renditions": fakes.renditions(video_ids)})
        return videos


@pytest.fixture(autouse=True)
def catalog(services: Services) -> Iterator[Catalog]:
    """No catalog unless a test provides one: the dashboard must work on the API alone."""
    yield Catalog(services)
    services.catalog = None


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


def sdk(client: TestClient, token: str | None = None) -> Client:
    """The SDK on the in-process API, as the dashboard holds it: never the env's token."""
    return Client("http://testserver", token, transport=client._transport,  # noqa: SLF001
                  env_token=False, retry=RetryPolicy(base_s=0.0))


@pytest.fixture
def api(client: TestClient) -> Iterator[Client]:
    with sdk(client) as session_client:
        yield session_client


@pytest.fixture
def store(api: Client) -> Store:
    return Store(api=api)
