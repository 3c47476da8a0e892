"""Fixtures for API integration tests: the app on the embedded S3 and a fresh database per
module, once SQLite and once PostgreSQL (the cluster case)."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from reelhouse.config import Settings
from reelhouse.db import User, Video, utcnow
from signing_api.app import create_app
from signing_api.deps import Services
from tests import helpers, postgres

_names = itertools.count()


@pytest.fixture(scope="module", autouse=True)
def cheap_password_hashing() -> Iterator[None]:
    """argon2 at its smallest cost: these tests are about access, not the hash strength."""
    with helpers.cheap_password_hashing():
        yield


@pytest.fixture(scope="module", params=postgres.DATABASE_KINDS)
def api_settings(request: pytest.FixtureRequest, s3_settings: Settings,
                 tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The embedded S3's settings with this module's own database."""
    db = tmp_path_factory.mktemp("api-db") / "api.db"
    url = postgres.database_url(request.param, request, db)
    # Many uploads per user left open on purpose: quotas are tested with their own app.
    return s3_settings.model_copy(update={"database_url": url,
                                          "part_size_bytes": 5 * 1024 * 1024,
                                          "part_url_batch": 2,
                                          "user_uploads_in_flight": 10_000})


@pytest.fixture(scope="module")
def app(api_settings: Settings) -> FastAPI:
    return create_app(api_settings)


@pytest.fixture(scope="module")
def client(app: FastAPI) -> TestClient:
    return TestClient(app)


@pytest.fixture(scope="module")
def services(app: FastAPI) -> Services:
    return app.state.services


@pytest.fixture(scope="module")
def make_user(services: Services) -> Callable[..., tuple[User, str]]:
    """A new user (unique name) and a token for it."""

    def make(role: str = "user") -> tuple[User, str]:
        return helpers.add_user(services.db, f"it{next(_names)}", role=role)

    return make


@pytest.fixture(scope="module")
def make_video(services: Services) -> Callable[..., Video]:
    """A video row owned by `owner`, with the given visibility and status."""

    def make(owner: User, visibility: str = "public", status: str = "ready") -> Video:
        return helpers.add_video(services.db, owner, title="Matrix video",
                                 visibility=visibility, status=status, upload_version=1,
                                 uploaded_at=utcnow())

    return make


def auth(token: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"} if token else {}
