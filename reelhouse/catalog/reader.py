"""Reading the catalog: its Delta tables under `catalog/` into Arrow, then into DuckDB."""

from __future__ import annotations

from collections.abc import Mapping

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
from deltalake.exceptions import DeltaError

from reelhouse.catalog import legacy
from reelhouse.catalog.errors import CatalogError
from reelhouse.catalog.schemas import TABLES, conform, empty
from reelhouse.catalog.tables import open_table, vanished
from reelhouse.config import Settings
from reelhouse.keys import check_video_id
from reelhouse.storage import Storage

# `videos` is a view over this table, which adds lower-cased search and sort keys.
INTERNAL_VIDEOS = "_videos"
# A vacuum may remove a file of the version we opened before we read it: open the newer one.
READ_ATTEMPTS = 3


def _read(storage: Storage, table: str, video_id: str | None) -> pa.Table:
    for attempt in range(READ_ATTEMPTS):
        dt = open_table(storage, table)
        if dt is None:
            return legacy.load_legacy(storage, table)[0] if video_id is None else empty(table)
        try:
            filters = [("video_id", "=", check_video_id(video_id))] if video_id else None
            return conform(table, dt.to_pyarrow_table(filters=filters))
        except (OSError, DeltaError) as e:
            if attempt == READ_ATTEMPTS - 1 or not vanished(e):
                raise CatalogError(f"catalog: cannot read {table}: {e}") from e
    raise AssertionError("unreachable")


def load_table(storage: Storage, table: str) -> pa.Table:
    """The table at its latest committed version (a bucket not yet migrated from loose
    Parquet files reads those, as today's main wrote them)."""
    return _read(storage, table, None)


def video_rows(storage: Storage, table: str, video_id: str) -> pa.Table:
    """One video's rows of `table` at its latest version (files skipped by their id stats)."""
    return _read(storage, table, video_id)


def _title_rank(videos: pa.Table) -> pa.Array:
    """Each video's position by (lower-cased title, video_id), missing titles last.

    Computed once per connection so paging by title sorts integers, not strings.
    """
    keys = pa.table({"t": pc.utf8_lower(videos.column("title")), "v": videos.column("video_id")})
    order = pc.sort_indices(keys, sort_keys=[("t", "ascending", "at_end"),
                                             ("v", "ascending", "at_end")])
    return pc.inverse_permutation(order.cast(pa.int64()))


def connect_arrow(tables: Mapping[str, pa.Table]) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with `videos`, `renditions`, `thumbnails` over the given tables."""
    con = duckdb.connect(":memory:")
    con.execute("SET GLOBAL TimeZone = 'UTC'")  # global: cursors for other threads inherit it
    for name in TABLES:
        data = conform(name, tables[name]) if name in tables else empty(name)
        # Native tables: sorting and late materialisation are much faster than on Arrow scans.
        if name == "videos":
            con.register("_arrow", data.append_column("_title", _title_rank(data)))
            con.execute(f"CREATE TABLE {INTERNAL_VIDEOS} AS SELECT *, "
                        "lower(coalesce(title, '') || chr(10) || coalesce(description, '')) "
                        "AS _search FROM _arrow")
            con.execute(f"CREATE VIEW videos AS SELECT * EXCLUDE (_search, _title) "
                        f"FROM {INTERNAL_VIDEOS}")
        else:
            con.register("_arrow", data)
            con.execute(f"CREATE TABLE {name} AS SELECT * FROM _arrow")
        con.unregister("_arrow")
    return con


def connect(source: Settings | Storage) -> duckdb.DuckDBPyConnection:
    """DuckDB over the catalog in S3: `con.sql("select count(*) from videos")` just works.

    The tables are the bucket's catalog as committed now: every video the pipeline wrote,
    whatever its visibility (access control is the API's, not this reader's). Connect again
    to see newer commits. Not for concurrent use: give each thread `con.cursor()`.
    """
    storage = source if isinstance(source, Storage) else Storage(source)
    return connect_arrow({name: load_table(storage, name) for name in TABLES})
