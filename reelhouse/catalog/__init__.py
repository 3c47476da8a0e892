"""The catalog: Delta tables of videos, renditions and thumbnails in S3, queried with DuckDB."""

from reelhouse.catalog.errors import CatalogError
from reelhouse.catalog.queries import (
    count,
    duration_histogram,
    get_video,
    processing_times,
    renditions_for,
    search,
    stats,
    thumbnails_for,
    videos_by_id,
)
from reelhouse.catalog.reader import connect, connect_arrow, load_table, video_rows
from reelhouse.catalog.schemas import SCHEMA_VERSION, SCHEMAS, TABLES
from reelhouse.catalog.writer import (
    CompactResult,
    compact,
    delete_video,
    update_video,
    write_rows,
)

__all__ = [
    "SCHEMAS",
    "SCHEMA_VERSION",
    "TABLES",
    "CatalogError",
    "CompactResult",
    "compact",
    "connect",
    "connect_arrow",
    "count",
    "delete_video",
    "duration_histogram",
    "get_video",
    "load_table",
    "processing_times",
    "renditions_for",
    "search",
    "stats",
    "thumbnails_for",
    "update_video",
    "video_rows",
    "videos_by_id",
    "write_rows",
]
