"""Writing the catalog: one Parquet part per video per table, deletion, and compaction."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq
from ulid import ULID

from reelhouse.catalog.errors import CatalogError
from reelhouse.catalog.reader import (
    READ_ATTEMPTS,
    dedupe,
    filesystem,
    is_compacted,
    is_part,
    list_files,
    read_keys,
    table_prefix,
)
from reelhouse.catalog.schemas import TABLES, THUMBNAIL_KINDS, conform, schema_for
from reelhouse.keys import catalog_key, check_video_id
from reelhouse.storage import Storage

PARQUET_TYPE = "application/vnd.apache.parquet"


@dataclass(frozen=True)
class CompactResult:
    """What one compaction did: the file it wrote and the files it folded in and removed."""

    table: str
    key: str | None
    rows: int = 0
    folded: tuple[str, ...] = ()
    deleted: tuple[str, ...] = ()
    # Parts rewritten while we compacted: their newer rows win on read; the next run folds them.
    kept: tuple[str, ...] = ()


def rows_table(table: str, video_id: str, rows: Iterable[Mapping[str, Any]],
               written_at: datetime | None = None) -> pa.Table:
    """The rows of one video as an Arrow table in the table's schema, stamped `written_at`."""
    schema = schema_for(table)
    check_video_id(video_id)
    stamp = written_at or datetime.now(UTC)
    names = set(schema.names) - {"written_at"}
    records = []
    for row in rows:
        unknown = set(row) - names
        if unknown:
            raise CatalogError(f"catalog: {table} has no column(s) {sorted(unknown)}")
        if row.get("video_id", video_id) != video_id:
            raise CatalogError(f"catalog: a {table} row of {video_id} names another video")
        if table == "thumbnails" and row.get("kind") not in THUMBNAIL_KINDS:
            raise CatalogError(f"catalog: thumbnail kind must be one of {THUMBNAIL_KINDS}")
        records.append({**row, "video_id": video_id, "written_at": stamp})
    if table == "videos" and len(records) > 1:
        raise CatalogError(f"catalog: one videos row per video, got {len(records)}")
    try:
        return pa.Table.from_pylist(records, schema=schema)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, OverflowError) as e:
        raise CatalogError(f"catalog: bad {table} row for {video_id}: {e}") from e


def to_parquet(data: pa.Table) -> bytes:
    """Parquet bytes (zstd) carrying the schema and its version in the file metadata."""
    sink = pa.BufferOutputStream()
    pq.write_table(data, sink, compression="zstd")
    return sink.getvalue().to_pybytes()


def _new_compacted_key(table: str) -> str:
    # ULIDs sort by time, so the newest compacted file also wins read ties.
    return f"{table_prefix(table)}compacted-{ULID()}.parquet"


def _video_ids(storage: Storage, key: str) -> set[str]:
    dataset = ds.dataset(f"{storage.bucket}/{key}", format="parquet",
                         filesystem=filesystem(storage.settings))
    return set(dataset.to_table(columns=["video_id"]).column("video_id").to_pylist())


def _purge(storage: Storage, table: str, video_id: str) -> int:
    """Remove a video from one table: compacted files rewritten first, then its part deleted."""
    touched = 0
    for entry in list_files(storage, table):
        key = entry["Key"]
        if not is_compacted(key) or video_id not in _video_ids(storage, key):
            continue
        rest = read_keys(storage, table, [key]).drop_columns(["_file"])
        rest = rest.filter(pc.not_equal(rest.column("video_id"), video_id))
        if rest.num_rows:
            storage.put_bytes(_new_compacted_key(table), to_parquet(conform(table, rest)),
                              PARQUET_TYPE)
        storage.delete(key)
        touched += 1
    part = catalog_key(table, video_id)
    if storage.exists(part):
        storage.delete(part)
        touched += 1
    return touched


def write_rows(storage: Storage, table: str, video_id: str,
               rows: list[dict[str, Any]]) -> str:
    """Write (or overwrite) the video's part of `table` and return its key.

    Rerunning replaces the part, and its newer `written_at` beats any compacted copy. No
    rows means the video has none in this table: its part and compacted rows are removed.
    """
    key = catalog_key(table, video_id)
    data = rows_table(table, video_id, rows)
    if data.num_rows == 0:
        _purge(storage, table, video_id)
    else:
        storage.put_bytes(key, to_parquet(data), PARQUET_TYPE)
    return key


def delete_video(storage: Storage, video_id: str) -> int:
    """Remove the video's rows from every table; returns how many files were removed or rewritten.

    Not safe to run at the same moment as `compact` on the same table: serialise them.
    """
    check_video_id(video_id)
    return sum(_purge(storage, table, video_id) for table in TABLES)


def compact(storage: Storage, table: str) -> CompactResult:
    """Fold every part (and older compacted file) of `table` into one new compacted file.

    The new file is written before anything is deleted; a part overwritten meanwhile (its
    ETag changed) is left in place. Readers de-duplicate by video, so none ever misses a row.
    Only an overwrite landing between our ETag check and our delete is lost: run compaction
    on a schedule that does not overlap catalog writes (or rerun the write) to close that gap.
    """
    for attempt in range(READ_ATTEMPTS):
        listing = list_files(storage, table)
        if not any(is_part(o["Key"]) for o in listing) and len(listing) <= 1:
            return CompactResult(table, None)
        try:
            raw = read_keys(storage, table, [o["Key"] for o in listing])
            # Sorted by video id (creation order), so equal inputs give an equal file.
            merged = dedupe(raw).sort_by("video_id")
            break
        except OSError:
            if attempt == READ_ATTEMPTS - 1:
                raise
    key = _new_compacted_key(table)
    storage.put_bytes(key, to_parquet(conform(table, merged)), PARQUET_TYPE)
    deleted, kept = [], []
    for entry in listing:
        if is_part(entry["Key"]):
            now = storage.head(entry["Key"])
            if now is not None and now.get("ETag") != entry.get("ETag"):
                kept.append(entry["Key"])
                continue
        storage.delete(entry["Key"])
        deleted.append(entry["Key"])
    return CompactResult(table, key, merged.num_rows, tuple(o["Key"] for o in listing),
                         tuple(deleted), tuple(kept))
