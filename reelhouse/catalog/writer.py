"""Writing the catalog: each video's rows replaced in one Delta commit, edits applied over
older rows only, deletes that stay deleted, and compaction (optimize + vacuum)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa
from deltalake import DeltaTable, write_deltalake

from reelhouse.catalog.errors import CatalogError
from reelhouse.catalog.schemas import EDITABLE, TABLES, THUMBNAIL_KINDS, VIDEOS, schema_for
from reelhouse.catalog.tables import committed
from reelhouse.keys import check_video_id
from reelhouse.storage import Storage

# How old a data file no commit names must be before compaction deletes it.
ORPHAN_AGE_H = 1


@dataclass(frozen=True)
class CompactResult:
    """What one compaction did to a table: files folded into fewer, tombstoned files removed."""

    table: str
    version: int
    rows: int = 0
    added: int = 0
    removed: int = 0
    vacuumed: int = 0


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


def of_video(video_id: str) -> str:
    """The Delta predicate selecting one video's rows (the id is a checked ULID, never text
    a user typed, so it is safe inside the quotes)."""
    return f"video_id = '{check_video_id(video_id)}'"


def commit_key(table: str, version: int) -> str:
    """The object holding commit `version` of `table`."""
    schema_for(table)
    return f"catalog/{table}/_delta_log/{version:020d}.json"


def _vacuum(dt: DeltaTable) -> int:
    # Retention 0: the files a delete or compaction tombstoned still hold the removed rows
    # (titles, descriptions). Only tombstoned files go (never a writer's uncommitted file);
    # a reader still on the older version gets "not found" and reads the newer one. At the
    # latest version, so the last of racing deletes also removes what the others tombstoned.
    dt.update_incremental()
    return len(dt.vacuum(retention_hours=0, dry_run=False, enforce_retention_duration=False))


def write_rows(storage: Storage, table: str, video_id: str,
               rows: list[dict[str, Any]]) -> str:
    """Replace the video's rows in `table` with `rows` in one commit; returns its log key.

    Rerunning replaces rather than duplicates; no rows removes the video from this table.
    """
    data = rows_table(table, video_id, rows)

    def replace(dt: DeltaTable) -> str:
        if data.num_rows == 0:
            dt.delete(of_video(video_id))
        else:
            write_deltalake(dt, data, mode="overwrite", predicate=of_video(video_id),
                            schema_mode="merge")
        return commit_key(table, dt.version())

    return committed(storage, table, replace)


def update_video(storage: Storage, video_id: str, fields: Mapping[str, Any],
                 updated_at: datetime) -> bool:
    """Set the owner's fields (title, description, visibility) of the video's `videos` row,
    unless the row already holds an edit at least as new; True when the row changed.

    A video with no row yet is left alone: its row is written from the database later.
    """
    return update_videos(storage, [Edit(video_id, fields, updated_at)]) > 0


@dataclass(frozen=True)
class Edit:
    """An owner's edit of one video: the fields it set and when the database took it."""

    video_id: str
    fields: Mapping[str, Any]
    updated_at: datetime


def update_videos(storage: Storage, edits: Iterable[Edit]) -> int:
    """`update_video` for many edits in one commit (of several edits of one video the newest
    counts); returns how many rows changed."""
    newest: dict[str, Edit] = {}
    for edit in edits:
        unknown = set(edit.fields) - set(EDITABLE)
        if unknown:
            raise CatalogError(f"catalog: {sorted(unknown)} are not edited through update_video")
        seen = newest.get(check_video_id(edit.video_id))
        if seen is None or seen.updated_at < edit.updated_at:
            newest[edit.video_id] = edit
    # Columns an edit left out keep the row's value: each is set from the source only where
    # that edit named it (a PATCH sends every field, so in practice all are named).
    names = sorted({name for edit in newest.values() for name in edit.fields})
    if not newest or not has_table(storage, "videos"):
        return 0
    schema = pa.schema([VIDEOS.field("video_id"), *(VIDEOS.field(n) for n in names),
                        VIDEOS.field("updated_at"),
                        *(pa.field(f"set_{n}", pa.bool_()) for n in names)])
    source = pa.Table.from_pylist(
        [{**{n: edit.fields.get(n) for n in names}, "video_id": edit.video_id,
          "updated_at": edit.updated_at, **{f"set_{n}": n in edit.fields for n in names}}
         for edit in newest.values()], schema=schema)
    ids = ", ".join(f"'{v}'" for v in newest)  # checked ULIDs above, never typed text

    def merge(dt: DeltaTable) -> int:
        # The literal ids let delta-rs skip every file whose id stats exclude these videos.
        updates = {n: f"CASE WHEN s.set_{n} THEN s.{n} ELSE t.{n} END" for n in names}
        outcome = (dt.merge(source, predicate=f"t.video_id = s.video_id AND t.video_id IN ({ids})",
                            source_alias="s", target_alias="t")
                   .when_matched_update(
                       updates={**updates, "updated_at": "s.updated_at"},
                       predicate="t.updated_at IS NULL OR t.updated_at < s.updated_at")
                   .execute())
        return int(outcome.get("num_target_rows_updated", 0))

    return committed(storage, "videos", merge)


def has_table(storage: Storage, table: str) -> bool:
    """Whether anything (a Delta table or pre-Delta files) was ever written for `table`."""
    return next(iter(storage.list_keys(f"catalog/{table}/")), None) is not None


def delete_video(storage: Storage, video_id: str) -> int:
    """Remove the video's rows from every table and the files that held them; returns how
    many rows were removed."""
    return delete_videos(storage, [video_id])


def delete_videos(storage: Storage, video_ids: Iterable[str]) -> int:
    """`delete_video` for many videos, one commit and one vacuum per table. Safe beside other
    deletes, writes and compaction: a delete that loses a commit race reruns on the newer
    version, so no row of it ever comes back."""
    ids = sorted({check_video_id(v) for v in video_ids})
    if not ids:
        return 0
    predicate = "video_id IN ({})".format(", ".join(f"'{v}'" for v in ids))

    def delete(dt: DeltaTable) -> int:
        removed = int(dt.delete(predicate).get("num_deleted_rows", 0))
        _vacuum(dt)
        return removed

    return sum(committed(storage, table, delete) for table in TABLES
               if has_table(storage, table))


def compact(storage: Storage, table: str) -> CompactResult:
    """Fold the table's small files into few (Delta optimize), then remove the files that
    no longer belong to the table (vacuum: tombstoned ones at once, never-committed ones
    after ORPHAN_AGE_H); concurrent writes and deletes are kept."""

    def optimize(dt: DeltaTable) -> CompactResult:
        metrics = dt.optimize.compact()
        vacuumed = _vacuum(dt)
        # Files no commit ever named (a writer killed between its data file and its commit);
        # only old ones, so a writer's file that is about to be committed is never taken.
        vacuumed += len(dt.vacuum(retention_hours=ORPHAN_AGE_H, dry_run=False,
                                  enforce_retention_duration=False, full=True))
        return CompactResult(table, dt.version(), dt.count(), int(metrics["numFilesAdded"]),
                             int(metrics["numFilesRemoved"]), vacuumed)

    return committed(storage, table, optimize)

