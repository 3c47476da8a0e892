"""Turning rows into a video's Arrow rows and Delta predicates: validation and stamping
(no storage)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from reelhouse.catalog.errors import CatalogError
from reelhouse.catalog.schemas import VIDEOS
from reelhouse.catalog.tables import storage_options, vanished
from reelhouse.catalog.writer import commit_key, of_video, rows_table, update_video
from reelhouse.config import load_settings
from reelhouse.storage import Storage

VID = "01HK153X000002HGZTYFV7184Q"
STAMP = datetime(2025, 5, 1, tzinfo=UTC)


def test_rows_are_stamped_with_video_id_and_written_at() -> None:
    """Every row gets the video id and one shared written_at; omitted columns are null."""
    data = rows_table("renditions", VID, [{"rung": "720p"}, {"rung": "480p"}], STAMP)
    assert data.column("video_id").to_pylist() == [VID, VID]
    assert data.column("written_at").to_pylist() == [STAMP, STAMP]
    assert data.column("vmaf").to_pylist() == [None, None]


def test_unknown_column_is_refused() -> None:
    """A misspelt column raises rather than being silently dropped."""
    with pytest.raises(CatalogError, match="titel"):
        rows_table("videos", VID, [{"titel": "x"}])


def test_row_of_another_video_is_refused() -> None:
    """A row naming a different video id cannot be written into this video's part."""
    with pytest.raises(CatalogError, match="another video"):
        rows_table("videos", VID, [{"video_id": "01HK155QK000012H1FFRGBCXE8"}])


def test_non_ulid_video_id_is_refused() -> None:
    """Keys are never built from user text: the video id must be a ULID."""
    with pytest.raises(ValueError, match="ULID"):
        rows_table("videos", "../etc", [{"title": "x"}])


def test_one_videos_row_per_video() -> None:
    """The videos table holds exactly one row per video."""
    with pytest.raises(CatalogError, match="one videos row"):
        rows_table("videos", VID, [{"title": "a"}, {"title": "b"}])


def test_thumbnail_kind_is_checked() -> None:
    """A thumbnail is a poster or a storyboard sheet, nothing else."""
    assert rows_table("thumbnails", VID, [{"kind": "storyboard"}]).num_rows == 1
    with pytest.raises(CatalogError, match="kind"):
        rows_table("thumbnails", VID, [{"kind": "gif"}])


def test_wrong_value_type_is_a_catalog_error() -> None:
    """A value Arrow cannot store in the column's type is a CatalogError naming the table."""
    with pytest.raises(CatalogError, match="bad videos row"):
        rows_table("videos", VID, [{"width": "wide"}])


def test_rows_carry_the_table_schema() -> None:
    """A video's rows are in the table's schema, so every commit appends the same columns."""
    assert rows_table("videos", VID, [{"title": "Ocean"}], STAMP).schema.equals(VIDEOS)


def test_predicate_names_one_checked_video() -> None:
    """The Delta predicate of a video quotes a checked ULID; anything else is refused, so no
    text ever reaches delta-rs's SQL."""
    assert of_video(VID) == f"video_id = '{VID}'"
    with pytest.raises(ValueError, match="ULID"):
        of_video("x' OR '1'='1")


def test_commit_key_is_the_log_entry() -> None:
    """A write reports the `_delta_log` entry that holds it."""
    assert commit_key("videos", 7) == "catalog/videos/_delta_log/00000000000000000007.json"


def test_only_the_owners_fields_are_edited() -> None:
    """update_video edits title, description and visibility, never processing facts."""
    with pytest.raises(CatalogError, match="duration_s"):
        update_video(None, VID, {"duration_s": 1.0}, STAMP)  # type: ignore[arg-type]


def test_storage_options_keep_commits_conditional(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """delta-rs is pointed at our endpoint with conditional PUTs on and no unsafe rename."""
    settings = load_settings(state_dir=tmp_path, s3_port=18333,
                             database_url=f"sqlite:///{tmp_path / 'x.db'}",
                             s3_access_key_id="AKID", s3_secret_access_key="secret")
    options = storage_options(Storage(settings))
    assert options["conditional_put"] == "etag"
    assert options["AWS_ENDPOINT_URL"] == "http://127.0.0.1:18333"
    assert options["AWS_ALLOW_HTTP"] == "true"
    assert options["AWS_VIRTUAL_HOSTED_STYLE_REQUEST"] == "false"
    assert "AWS_S3_ALLOW_UNSAFE_RENAME" not in options


def test_only_a_vanished_file_is_retried_as_a_read() -> None:
    """A file vacuumed under a reader is worth a reread; any other storage error is not."""
    assert vanished(OSError("AWS Error RESOURCE_NOT_FOUND during GetObject: Not Found"))
    assert vanished(OSError("Object at location catalog/videos/part-0.parquet not found"))
    assert not vanished(OSError("connection refused"))
