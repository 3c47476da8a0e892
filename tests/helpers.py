"""Small helpers shared by fixtures and tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from argon2 import PasswordHasher

from reelhouse import accounts
from reelhouse.db import Database, User, Video, new_id, utcnow
from reelhouse.ports import free_port, free_s3_port

if TYPE_CHECKING:
    from assets.database import DatabaseResource

__all__ = ["CHECKOUT", "CHROMIUM_ARGS", "add_user", "add_video", "cheap_password_hashing",
           "free_port", "free_s3_port"]

# The checkout the tests run from (deploy/, notebooks/, frontend/ live here, not in the wheel).
CHECKOUT = Path(__file__).resolve().parent.parent

CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--autoplay-policy=no-user-gesture-required", "--mute-audio",
]


@contextmanager
def cheap_password_hashing() -> Iterator[None]:
    """argon2 at its smallest cost, for tests about access rather than the hash strength."""
    cheap = PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)
    saved = accounts._hasher, accounts._DUMMY_HASH
    accounts._hasher, accounts._DUMMY_HASH = cheap, cheap.hash("not-a-real-password")
    try:
        yield
    finally:
        accounts._hasher, accounts._DUMMY_HASH = saved


def add_user(db: Database, username: str, password: str = "correct horse",
             role: str = "user") -> tuple[User, str]:
    """A new enabled user and an hour-long API token for it."""
    with db.session() as session:
        user = accounts.create_user(session, username, password, role)
        token, _ = accounts.issue_token(session, user, 3600)
    return user, token


# The live media version of the ready videos `add_video` makes (keys.version_prefix).
MEDIA_VERSION = "01JD0000000000000000000000"


def add_video(db: Database, owner: User, **fields: object) -> Video:
    """A video row owned by `owner`: public, ready (live at MEDIA_VERSION) and uploaded once
    unless `fields` say."""
    values: dict[str, object] = dict(
        title="A video", description="", visibility="public", status="ready",
        filename="clip.mp4", content_type="video/mp4", source_size=10)
    values.update(fields)
    uploading = values["status"] == "uploading"
    values.setdefault("uploaded_at", None if uploading else utcnow())
    values.setdefault("upload_version", 0 if uploading else 1)
    values.setdefault("media_version", MEDIA_VERSION if values["status"] == "ready" else None)
    video = Video(id=new_id(), owner_id=owner.id, **values)
    with db.session() as session:
        session.add(video)
    return video


def pipeline_database(tmp_path: Path) -> DatabaseResource:
    """The pipeline's database resource on a fresh SQLite file holding one user, id 1."""
    from assets.database import DatabaseResource
    from assets.resources import ReelhouseConfig

    resource = DatabaseResource(reelhouse=ReelhouseConfig(
        database_url=f"sqlite:///{tmp_path / 'api.db'}", state_dir=str(tmp_path)))
    Database(resource.settings).upgrade()
    with resource.database().session() as session:
        session.add(User(id=1, username="ada", password_hash="-"))
    return resource
