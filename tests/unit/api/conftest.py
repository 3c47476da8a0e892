"""Fixtures for API unit tests: one app on moto's S3 and a fresh database for the package,
once on a SQLite file and once on PostgreSQL (the cluster case)."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from pathlib import Path

import boto3
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from moto import mock_aws

from reelhouse.config import Settings, load_settings
from reelhouse.db import User, Video
from signing_api.app import create_app
from signing_api.deps import Services
from signing_api.ratelimit import RateLimits
from signing_api.signer import PlaybackSigner
from tests import helpers, postgres

_names = itertools.count()


def unit_settings(state: Path, **overrides: object) -> Settings:
    """Settings pointing at moto's (AWS-shaped) S3 endpoint and a SQLite file under `state`."""
    values: dict[str, object] = dict(
        state_dir=state, s3_endpoint_url="https://s3.us-east-1.amazonaws.com",
        s3_access_key_id="AKIDEXAMPLE", s3_secret_access_key="wJalrXUtnFEMI/K7MDENG",
        database_url=f"sqlite:///{state / 'api.db'}", part_size_bytes=5 * 1024 * 1024,
        part_url_batch=4, max_upload_bytes=1024**3, cors_origins=["https://app.example"],
        direct_launch=False)  # no Dagster webserver here (test_dagster_launch has its own)
    values.update(overrides)
    return load_settings(**values)


@pytest.fixture(scope="package", autouse=True)
def cheap_password_hashing() -> Iterator[None]:
    """argon2 with the smallest cost: these tests are about the API, not the hash strength."""
    with helpers.cheap_password_hashing():
        yield


@pytest.fixture(scope="package", params=postgres.DATABASE_KINDS)
def settings(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    state = tmp_path_factory.mktemp("api-unit")
    return unit_settings(state, database_url=postgres.database_url(request.param, request,
                                                                   state / "api.db"))


@pytest.fixture(scope="package")
def app(settings: Settings) -> Iterator[FastAPI]:
    """The API on a mocked bucket, with sign-in limits low enough to test."""
    with mock_aws():
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket=settings.s3_bucket)
        yield create_app(settings, limits=RateLimits(login_failures_per_address=1000,
                                                     login_failures_per_user=3))


@pytest.fixture(scope="package")
def client(app: FastAPI) -> TestClient:
    return TestClient(app)


@pytest.fixture(scope="package")
def services(app: FastAPI) -> Services:
    return app.state.services


@pytest.fixture(scope="package")
def make_user(services: Services) -> Callable[..., tuple[User, str]]:
    """A new user (unique name) and a token for it."""

    def make(role: str = "user", password: str = "correct horse") -> tuple[User, str]:
        return helpers.add_user(services.db, f"user{next(_names)}", password, role)

    return make


@pytest.fixture(scope="package")
def make_video(services: Services) -> Callable[..., Video]:
    """A video row owned by `owner`, with the given visibility and status."""

    def make(owner: User, visibility: str = "public", status: str = "ready",
             title: str = "A video", description: str = "") -> Video:
        return helpers.add_video(services.db, owner, visibility=visibility, status=status,
                                 title=title, description=description)

    return make


def auth(token: str, scheme: str = "Token") -> dict[str, str]:
    return {"Authorization": f"{scheme} {token}"}


FROZEN_NOW = 1_800_000_030.0  # a fixed clock, 30 s into a signing window


@pytest.fixture
def frozen(services: Services) -> Iterator[PlaybackSigner]:
    """The app's playback signer on a fixed clock (FROZEN_NOW): one signing window for the
    whole test."""
    signer = services.playback
    saved = signer.window.clock
    signer.window.clock = lambda: FROZEN_NOW
    yield signer
    signer.window.clock = saved
