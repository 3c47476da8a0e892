"""Turning rows into Parquet parts: validation, stamping and round trips (no storage)."""

from __future__ import annotations

from datetime import UTC, datetime

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from reelhouse.catalog.errors import CatalogError
from reelhouse.catalog.schemas import SCHEMA_VERSION, VERSION_KEY, VIDEOS
from reelhouse.catalog.writer import rows_table, to_parquet

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


def test_parquet_round_trip_keeps_schema_and_version() -> None:
    """The Parquet bytes read back to the same rows, schema and schema version."""
    data = rows_table("videos", VID, [{"title": "Ocean", "duration_s": 12.5}], STAMP)
    back = pq.read_table(pa.BufferReader(to_parquet(data)))
    assert back.equals(data)
    assert back.schema.equals(VIDEOS)
    assert back.schema.metadata[VERSION_KEY] == str(SCHEMA_VERSION).encode()
