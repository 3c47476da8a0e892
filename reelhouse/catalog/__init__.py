"""The catalog: Parquet tables of videos, renditions and thumbnails in S3, queried with DuckDB."""

from reelhouse.catalog.errors import CatalogError
from reelhouse.catalog.queries import (
    count,
    get_video,
    renditions_for,
    search,
    stats,
    thumbnails_for,
)
from reelhouse.catalog.reader import connect, connect_arrow, load_table
from reelhouse.catalog.schemas import SCHEMA_VERSION, SCHEMAS, TABLES
from reelhouse.catalog.writer import CompactResult, compact, delete_video, write_rows

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
    "get_video",
    "load_table",
    "renditions_for",
    "search",
    "stats",
    "thumbnails_for",
    "write_rows",
]
