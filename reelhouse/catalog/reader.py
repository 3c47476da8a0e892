"""Reading the catalog: Parquet files under `catalog/` into Arrow, de-duplicated, in DuckDB."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.fs as pafs

from reelhouse.catalog.errors import CatalogError
from reelhouse.catalog.schemas import TABLES, conform, empty, schema_for
from reelhouse.config import Settings
from reelhouse.storage import Storage

FILE = "_file"
# `videos` is a view over this table, which adds lower-cased search and sort keys.
INTERNAL_VIDEOS = "_videos"
# A compaction may delete a part between our listing and our read: list again and retry.
READ_ATTEMPTS = 3


def table_prefix(table: str) -> str:
    schema_for(table)
    return f"catalog/{table}/"


def is_part(key: str) -> bool:
    return key.rsplit("/", 1)[-1].startswith("part-") and key.endswith(".parquet")


def is_compacted(key: str) -> bool:
    return key.rsplit("/", 1)[-1].startswith("compacted-") and key.endswith(".parquet")


def list_files(storage: Storage, table: str) -> list[dict[str, Any]]:
    """The table's data files (part and compacted), as S3 lists them, sorted by key."""
    listing = storage.list_keys(table_prefix(table))
    return sorted((o for o in listing if is_part(o["Key"]) or is_compacted(o["Key"])),
                  key=lambda o: o["Key"])


@lru_cache(maxsize=8)
def _filesystem(endpoint: str, region: str, access_key: str, secret_key: str,
                virtual: bool) -> pafs.S3FileSystem:
    url = urlsplit(endpoint)
    return pafs.S3FileSystem(
        access_key=access_key, secret_key=secret_key, region=region,
        endpoint_override=url.netloc + url.path.rstrip("/"), scheme=url.scheme or "https",
        force_virtual_addressing=virtual, connect_timeout=5, request_timeout=60)


def filesystem(settings: Settings) -> pafs.S3FileSystem:
    """pyarrow's S3 filesystem for our endpoint and credentials (shared per configuration)."""
    access_key, secret_key = settings.s3_credentials
    return _filesystem(settings.s3_endpoint, settings.s3_region, access_key, secret_key,
                       settings.s3_addressing_style == "virtual")


def read_keys(storage: Storage, table: str, keys: list[str]) -> pa.Table:
    """Rows of the given files in the current schema, plus `_file` naming each row's file."""
    schema = schema_for(table)
    tagged_schema = schema.append(pa.field(FILE, pa.string()))
    if not keys:
        return tagged_schema.empty_table()
    bucket = storage.bucket
    dataset = ds.dataset([f"{bucket}/{k}" for k in keys], schema=schema, format="parquet",
                         filesystem=filesystem(storage.settings))
    batches = []
    try:
        for tagged in dataset.scanner().scan_batches():
            batch = tagged.record_batch
            key = tagged.fragment.path.removeprefix(f"{bucket}/")
            file = pa.repeat(pa.scalar(key, pa.string()), batch.num_rows)
            batches.append(pa.RecordBatch.from_arrays([*batch.columns, file],
                                                      schema=tagged_schema))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError) as e:
        raise CatalogError(f"catalog: cannot read {table}: {e}") from e
    return pa.Table.from_batches(batches, schema=tagged_schema)


def _newest_files(raw: pa.Table) -> pa.Table:
    files = raw.group_by(["video_id", FILE]).aggregate([("written_at", "max")])
    files = files.sort_by([("video_id", "ascending"), ("written_at_max", "descending"),
                           (FILE, "descending")])
    ids = files.column("video_id").combine_chunks()
    mask = pa.concat_arrays([pa.array([True]), pc.not_equal(ids[1:], ids[:-1])])
    best = files.filter(mask).select(["video_id", FILE])
    return raw.join(best, keys=["video_id", FILE], join_type="left semi")


def dedupe(raw: pa.Table) -> pa.Table:
    """Per video, only the rows of its newest file (newest `written_at`, then greatest key).

    A rerun's part beats an older compacted copy, and while a compaction is between writing
    its file and deleting the parts, each row is still seen once.
    """
    counts = pc.value_counts(raw.column(FILE)).to_pylist()
    if len(counts) <= 1:
        return raw.drop_columns([FILE])
    # Only videos found outside the largest file (usually the compacted one) can be contested.
    largest = max(counts, key=lambda c: c["counts"])["values"]
    others = raw.filter(pc.not_equal(raw.column(FILE), largest)).column("video_id")
    contested = pc.is_in(raw.column("video_id"), value_set=pc.unique(others))
    settled = raw.filter(pc.invert(contested))
    resolved = _newest_files(raw.filter(contested))
    resolved = resolved.select(raw.column_names).cast(raw.schema)  # joins drop metadata
    return pa.concat_tables([settled, resolved]).drop_columns([FILE])


def load_table(storage: Storage, table: str) -> pa.Table:
    """The table as readers see it: every data file read and de-duplicated by video."""
    for attempt in range(READ_ATTEMPTS):
        keys = [o["Key"] for o in list_files(storage, table)]
        try:
            return conform(table, dedupe(read_keys(storage, table, keys)))
        except OSError:
            if attempt == READ_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


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

    The tables are snapshots taken now; connect again to see newer writes. A connection is
    not for concurrent use: give each thread `con.cursor()`.
    """
    storage = source if isinstance(source, Storage) else Storage(source)
    return connect_arrow({name: load_table(storage, name) for name in TABLES})
