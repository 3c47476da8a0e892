"""Catalog schemas: the columns each table promises and how older files are conformed."""

from __future__ import annotations

import pyarrow as pa
import pytest

from reelhouse.catalog.errors import CatalogError
from reelhouse.catalog.schemas import (
    RENDITIONS,
    SCHEMA_VERSION,
    THUMBNAILS,
    VERSION_KEY,
    VIDEOS,
    conform,
    empty,
    schema_for,
)


def test_videos_schema_has_every_promised_column() -> None:
    """The videos table carries the user, probe and processing columns, plus written_at."""
    expected = {"video_id", "owner", "owner_id", "title", "description", "visibility", "status",
                "failure_reason", "filename", "content_type", "source_size", "source_sha256",
                "container", "duration_s", "width", "height", "fps", "video_codec", "pix_fmt",
                "bit_depth", "rotation", "audio_codec", "audio_channels", "ladder_version",
                "rung_count", "hls_bytes", "poster_key", "created_at", "uploaded_at",
                "processed_at", "processing_s", "transcode_s", "realtime_factor", "updated_at",
                    "written_at"}
    assert set(VIDEOS.names) == expected
    for name in ("created_at", "uploaded_at", "processed_at", "written_at"):
        assert VIDEOS.field(name).type == pa.timestamp("us", tz="UTC")


def test_renditions_and_thumbnails_schemas() -> None:
    """Renditions hold rung sizes and quality scores; thumbnails hold poster/storyboard images."""
    assert set(RENDITIONS.names) >= {"rung", "bandwidth", "avg_bitrate", "bytes",
                                     "segment_count", "codecs", "vmaf", "ssim", "psnr"}
    assert set(THUMBNAILS.names) >= {"kind", "key", "width", "height", "count", "interval_s"}


def test_schemas_carry_their_version() -> None:
    """Every schema records SCHEMA_VERSION in its metadata, so Parquet files carry it too."""
    for schema in (VIDEOS, RENDITIONS, THUMBNAILS):
        assert schema.metadata[VERSION_KEY] == str(SCHEMA_VERSION).encode()


def test_unknown_table_is_refused() -> None:
    """Asking for a table the catalog does not have raises CatalogError (a ValueError)."""
    with pytest.raises(ValueError, match="no table"):
        schema_for("users")
    assert issubclass(CatalogError, ValueError)


def test_conform_fills_missing_casts_and_drops_extras() -> None:
    """An older file's table gains null columns, widens its ints and loses unknown columns."""
    old = pa.table({"video_id": ["A"], "width": pa.array([640], pa.int16()), "legacy": [1]})
    data = conform("videos", old)
    assert data.schema.equals(VIDEOS)
    assert data.column("width").to_pylist() == [640]
    assert data.column("title").to_pylist() == [None]


def test_conform_refuses_an_incompatible_type() -> None:
    """A column whose values cannot become the schema's type is a CatalogError naming it."""
    with pytest.raises(CatalogError, match="videos.width"):
        conform("videos", pa.table({"video_id": ["A"], "width": ["wide"]}))


def test_empty_table_has_the_schema() -> None:
    """An empty table is zero rows with exactly the table's schema."""
    assert empty("thumbnails").num_rows == 0
    assert empty("thumbnails").schema.equals(THUMBNAILS)
