"""Arrow schemas of the catalog tables: videos, their renditions and their thumbnails."""

from __future__ import annotations

import pyarrow as pa

from reelhouse.catalog.errors import CatalogError

# Bump when a column changes meaning or type; readers conform older files by column name.
SCHEMA_VERSION = 1
VERSION_KEY = b"reelhouse.schema_version"

_TS = pa.timestamp("us", tz="UTC")
# Every write stamps its rows; readers keep, per video, the rows of the newest write.
WRITTEN_AT = pa.field("written_at", _TS, nullable=False)


def _schema(*fields: pa.Field) -> pa.Schema:
    return pa.schema(
        [pa.field("video_id", pa.string(), nullable=False), *fields, WRITTEN_AT],
        metadata={VERSION_KEY: str(SCHEMA_VERSION).encode()},
    )


VIDEOS = _schema(
    pa.field("owner", pa.string()),
    pa.field("owner_id", pa.int64()),
    pa.field("title", pa.string()),
    pa.field("description", pa.string()),
    pa.field("visibility", pa.string()),
    pa.field("status", pa.string()),
    pa.field("failure_reason", pa.string()),
    pa.field("filename", pa.string()),
    pa.field("content_type", pa.string()),
    pa.field("source_size", pa.int64()),
    pa.field("source_sha256", pa.string()),
    pa.field("container", pa.string()),
    pa.field("duration_s", pa.float64()),
    pa.field("width", pa.int32()),
    pa.field("height", pa.int32()),
    pa.field("fps", pa.float64()),
    pa.field("video_codec", pa.string()),
    pa.field("pix_fmt", pa.string()),
    pa.field("bit_depth", pa.int32()),
    pa.field("rotation", pa.int32()),
    pa.field("audio_codec", pa.string()),
    pa.field("audio_channels", pa.int32()),
    pa.field("ladder_version", pa.string()),
    pa.field("rung_count", pa.int32()),
    pa.field("hls_bytes", pa.int64()),
    pa.field("poster_key", pa.string()),
    pa.field("created_at", _TS),
    pa.field("uploaded_at", _TS),
    pa.field("processed_at", _TS),
    pa.field("processing_s", pa.float64()),
    pa.field("transcode_s", pa.float64()),
    pa.field("realtime_factor", pa.float64()),
    # When the API last changed the owner's fields: an edit applies only over older rows.
    pa.field("updated_at", _TS),
)
"""One row per video: what the user gave, what probing found, what processing made."""

RENDITIONS = _schema(
    pa.field("rung", pa.string()),
    pa.field("width", pa.int32()),
    pa.field("height", pa.int32()),
    pa.field("bandwidth", pa.int64()),
    pa.field("avg_bitrate", pa.int64()),
    pa.field("bytes", pa.int64()),
    pa.field("segment_count", pa.int32()),
    pa.field("codecs", pa.string()),
    pa.field("ladder_version", pa.string()),
    pa.field("vmaf", pa.float64()),
    pa.field("ssim", pa.float64()),
    pa.field("psnr", pa.float64()),
)
"""One row per HLS rung of a video (bandwidth in bits/s as in the master playlist)."""

THUMBNAILS = _schema(
    pa.field("kind", pa.string()),
    pa.field("key", pa.string()),
    pa.field("width", pa.int32()),
    pa.field("height", pa.int32()),
    pa.field("count", pa.int32()),
    pa.field("interval_s", pa.float64()),
)
"""One row per image product of a video: its poster, its storyboard sprite sheets."""

SCHEMAS: dict[str, pa.Schema] = {
    "videos": VIDEOS,
    "renditions": RENDITIONS,
    "thumbnails": THUMBNAILS,
}
TABLES = tuple(SCHEMAS)
THUMBNAIL_KINDS = ("poster", "storyboard")
# The `videos` columns an owner edits through the API (`writer.update_video`).
EDITABLE = ("title", "description", "visibility")


def schema_for(table: str) -> pa.Schema:
    """The schema of a catalog table; CatalogError for any other name."""
    try:
        return SCHEMAS[table]
    except KeyError:
        raise CatalogError(f"catalog: no table {table!r} (tables: {', '.join(TABLES)})") from None


def empty(table: str) -> pa.Table:
    """A table with no rows and the current schema."""
    return schema_for(table).empty_table()


def conform(table: str, data: pa.Table) -> pa.Table:
    """`data` in the current schema: columns matched by name, missing ones null, extras dropped."""
    schema = schema_for(table)
    columns = []
    for field in schema:
        if field.name in data.column_names:
            column = data.column(field.name)
            try:
                columns.append(column.cast(field.type))
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as e:
                raise CatalogError(f"catalog: {table}.{field.name}: {e}") from e
        else:
            columns.append(pa.nulls(len(data), field.type))
    return pa.Table.from_arrays(columns, schema=schema)
