"""One video record: the ORM row converts to it once, the API answers with it, the SDK parses
into the same class, and the status and visibility words are enums defined once."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.exc import StatementError

from reelhouse import videos
from reelhouse.client import Video as SdkVideo
from reelhouse.config import load_settings
from reelhouse.db import Database, User
from reelhouse.db import Video as Row
from reelhouse.records import Video, VideoStatus, Visibility
from signing_api.legacy import LegacyVideo

T0 = datetime(2025, 1, 2, 3, 4, 5)
VIDEO_ID = "01ARZ3NDEKTSV4RRFFQ69G5FAV"


@pytest.fixture
def db(tmp_path: Path) -> Database:
    database = Database(load_settings(database_url=f"sqlite:///{tmp_path / 'api.db'}",
                                      state_dir=tmp_path))
    database.upgrade()
    return database


def _row(**fields: object) -> Row:
    values: dict[str, object] = dict(
        id=VIDEO_ID, owner_id=7, title="Sunset", description="over the sea",
        visibility="public", status="processing", failure_reason="", filename="s.mp4",
        content_type="video/mp4", source_size=10, source_sha256="", upload_version=1,
        created_at=T0, updated_at=T0, uploaded_at=T0)
    values.update(fields)
    return Row(**values)


def test_the_words_are_the_enums() -> None:
    """The enums hold the words the API, database and clients have always used."""
    assert list(VideoStatus) == ["uploading", "uploaded", "processing", "ready", "failed",
                                 "deleting"]
    assert list(Visibility) == ["private", "unlisted", "public"]
    assert [s.waiting for s in VideoStatus] == [True, True, True, False, False, False]
    assert [v.shared for v in Visibility] == [False, True, True]


def test_the_database_stores_words_and_reads_back_enums(db: Database) -> None:
    """A row stores the plain word and reads back the enum member; other words are refused."""
    with db.session() as session:
        session.add(User(id=7, username="ada", password_hash="x"))
        session.add(_row())
    with db.session() as session:
        row = session.get(Row, VIDEO_ID)
        assert row is not None and row.status is VideoStatus.PROCESSING
        assert row.visibility is Visibility.PUBLIC
    with db.reader() as connection:
        words = connection.exec_driver_sql("SELECT status, visibility FROM videos").one()
    assert tuple(words) == ("processing", "public")
    with pytest.raises(StatementError, match="not among the defined enum values"), \
            db.session() as session:
        session.execute(select(Row).where(Row.status == "deleted")).all()


def test_one_conversion_from_the_row() -> None:
    """The record carries the owner's name, keeps progress only while processing, and keeps
    the owner's id for the pipeline without ever showing it."""
    record = videos.record(_row(), "ada", progress=42.0)
    assert (record.owner, record.owner_id, record.progress) == ("ada", 7, 42.0)
    assert record.status is VideoStatus.PROCESSING
    assert "owner_id" not in record.model_dump() and "owner_id" not in record.model_dump_json()
    assert videos.record(_row(status="ready"), "ada", progress=42.0).progress is None


def test_playable_is_a_live_version_of_a_processing_or_ready_video() -> None:
    """`playable` says whether playback URLs are handed out (a live version, not failed);
    `playable_s` is given only while that live version's build still grows."""
    from reelhouse.builds import Build
    from tests.unit.db.test_media_builds import grid_layout

    live = "01JD0000000000000000000001"
    assert not videos.record(_row(), "ada").playable
    assert videos.record(_row(media_version=live), "ada").playable
    assert videos.record(_row(status="ready", media_version=live), "ada").playable
    assert not videos.record(_row(status="failed", media_version=live), "ada").playable
    growing = Build(VIDEO_ID, live, grid_layout([1, 1]), "10", 1, (4.010667,), False)
    assert videos.record(_row(media_version=live), "ada", build=growing).playable_s == 2.0
    done = Build(VIDEO_ID, live, grid_layout([1, 1]), "11", 2, (4.0, 2.0), True)
    other = Build(VIDEO_ID, "01JD0000000000000000000002", grid_layout([1]), "1", 1, (), False)
    for build in (done, other, None):
        assert videos.record(_row(media_version=live), "ada", build=build).playable_s is None


def test_the_sdk_parses_into_the_same_record() -> None:
    """What the API sends parses back into an equal record: timestamps made UTC, fields the
    API adds later ignored."""
    sent = videos.record(_row(status="ready"), "ada")
    parsed = SdkVideo.from_api({**sent.model_dump(mode="json"), "added_later": 1})
    assert SdkVideo is Video and parsed.ready
    assert parsed.created_at == T0.replace(tzinfo=UTC)
    assert parsed.model_dump(exclude={"created_at", "updated_at", "uploaded_at", "owner_id"}) \
        == sent.model_dump(exclude={"created_at", "updated_at", "uploaded_at", "owner_id"})


def test_every_field_is_documented_as_always_sent() -> None:
    """The response schema marks every field required (they are always in the JSON)."""
    schema = Video.model_json_schema(mode="serialization")
    assert set(schema["required"]) == set(schema["properties"])
    assert "owner_id" not in schema["properties"]


def test_legacy_is_a_mapping_of_the_record() -> None:
    """The starter's shape is five fields of the one record."""
    legacy = LegacyVideo.of(videos.record(_row(), "ada"))
    assert legacy.model_dump() == {"id": VIDEO_ID, "owner": "ada", "title": "Sunset",
                                   "description": "over the sea", "uploaded_at": T0}


def test_the_record_needs_no_database_library() -> None:
    """The bare SDK install can import the record and the client: no SQLAlchemy, DuckDB or
    pyarrow is loaded by them."""
    code = ("import sys, reelhouse.client, reelhouse.records, reelhouse.insights; "
            "heavy = {'sqlalchemy', 'duckdb', 'pyarrow', 'fastapi', 'panel', 'dagster'}; "
            "print(sorted(heavy & {m.split('.')[0] for m in sys.modules}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"
