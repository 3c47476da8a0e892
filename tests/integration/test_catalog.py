"""The catalog's Delta tables against the real embedded S3: write, read, rerun, edit,
compact, delete, and the one-time migration of main's loose Parquet files."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from reelhouse.catalog import (
    compact,
    connect,
    count,
    delete_video,
    load_table,
    queries,
    renditions_for,
    search,
    update_video,
    write_rows,
)
from reelhouse.catalog import writer as catalog_writer
from reelhouse.catalog.schemas import conform
from reelhouse.catalog.tables import open_table
from reelhouse.config import Settings
from reelhouse.keys import catalog_key
from reelhouse.storage import Storage
from tests.unit.catalog.fakes import video_ids

pytestmark = pytest.mark.integration

IDS = video_ids(3, seed=11)
T0 = datetime(2025, 6, 1, tzinfo=UTC)


@pytest.fixture(autouse=True)
def clean_catalog(storage: Storage) -> Iterator[None]:
    """Each test starts and ends with no `catalog/` objects in the shared bucket."""
    storage.delete_prefix("catalog/")
    yield
    storage.delete_prefix("catalog/")


def write_video(storage: Storage, i: int, title: str | None = None) -> str:
    """Rows of video `i` in all three tables; the key of its videos commit."""
    vid = IDS[i]
    key = write_rows(storage, "videos", vid, [{
        "title": title or f"Video {i} ocean", "description": "test clip", "owner": "alice",
        "owner_id": 1, "status": "ready", "visibility": "public", "duration_s": 10.0 * (i + 1),
        "height": 720, "created_at": T0.replace(hour=i), "updated_at": T0}])
    write_rows(storage, "renditions", vid, [
        {"rung": "720p", "height": 720, "bandwidth": 2_800_000, "bytes": 1000},
        {"rung": "360p", "height": 360, "bandwidth": 800_000, "bytes": 300}])
    write_rows(storage, "thumbnails", vid, [
        {"kind": "poster", "key": f"media/{vid}/thumbs/poster.jpg", "width": 1280,
         "height": 720}])
    return key


def data_files(storage: Storage, table: str) -> list[str]:
    """The Parquet objects under the table (live or not yet vacuumed)."""
    return [o["Key"] for o in storage.list_keys(f"catalog/{table}/")
            if o["Key"].endswith(".parquet")]


def test_empty_catalog_reads_as_empty_tables(s3_settings: Settings) -> None:
    """With nothing written, connect() still offers all three tables with zero rows."""
    con = connect(s3_settings)
    for table in ("videos", "renditions", "thumbnails"):
        assert con.sql(f"select count(*) from {table}").fetchall() == [(0,)]


def test_write_read_compact_delete(storage: Storage, s3_settings: Settings) -> None:
    """Three videos written, read back, compacted into one file per table, one deleted, and
    the files that held the deleted rows gone from the bucket."""
    key = [write_video(storage, i) for i in range(3)][-1]
    assert key.startswith("catalog/videos/_delta_log/") and storage.exists(key)
    con = connect(storage)
    assert count(con) == 3 and count(con, text="OCEAN video 1") == 1
    assert [r["rung"] for r in renditions_for(con, IDS[0])] == ["720p", "360p"]

    results = {t: compact(storage, t) for t in ("videos", "renditions", "thumbnails")}
    assert results["renditions"].rows == 6 and results["renditions"].removed == 3
    for table in results:
        assert len(data_files(storage, table)) == 1
    con = connect(s3_settings)
    assert [r["video_id"] for r in search(con, order="oldest")] == IDS
    assert queries.stats(con)["storage_by_rung"] == {"720p": 3000, "360p": 900}

    assert delete_video(storage, IDS[1]) == 4
    con = connect(storage)
    assert [r["video_id"] for r in search(con, order="oldest")] == [IDS[0], IDS[2]]
    assert renditions_for(con, IDS[1]) == []
    assert con.sql("select count(*) from thumbnails").fetchall() == [(2,)]
    for table in results:
        for k in data_files(storage, table):
            found = pq.read_table(pa.BufferReader(storage.get_bytes(k)), columns=["video_id"])
            assert IDS[1] not in found.column("video_id").to_pylist()


def test_rerun_replaces_the_videos_rows(storage: Storage) -> None:
    """Writing a video's rows again replaces them: no duplicate rows, fewer rungs stay fewer."""
    write_video(storage, 0, "first")
    write_video(storage, 0, "second")
    write_rows(storage, "renditions", IDS[0], [{"rung": "360p", "height": 360}])
    assert load_table(storage, "videos").column("title").to_pylist() == ["second"]
    assert load_table(storage, "renditions").column("rung").to_pylist() == ["360p"]


def test_rewrite_after_compaction_wins(storage: Storage) -> None:
    """A write after compaction replaces the compacted row; the next compaction keeps it."""
    write_video(storage, 0, "old title")
    write_video(storage, 1)
    compact(storage, "videos")
    write_video(storage, 0, "new title")
    assert sorted(load_table(storage, "videos").column("title").to_pylist()) == [
        "Video 1 ocean", "new title"]
    compact(storage, "videos")
    assert sorted(load_table(storage, "videos").column("title").to_pylist()) == [
        "Video 1 ocean", "new title"]


def test_empty_rows_remove_the_video_from_a_table(storage: Storage) -> None:
    """Writing no rows for a table removes the video's earlier rows, compacted ones included."""
    for i in range(2):
        write_video(storage, i)
    compact(storage, "renditions")
    write_rows(storage, "renditions", IDS[0], [])
    assert set(load_table(storage, "renditions").column("video_id").to_pylist()) == {IDS[1]}


def test_an_edit_applies_over_older_rows_only(storage: Storage) -> None:
    """An owner's edit changes title and visibility in place; an older edit arriving late
    (or a video without a row yet) changes nothing."""
    write_video(storage, 0, "original")
    later = T0 + timedelta(minutes=5)
    assert update_video(storage, IDS[0], {"title": "renamed", "visibility": "private"}, later)
    assert not update_video(storage, IDS[0], {"title": "stale"}, T0 + timedelta(minutes=1))
    assert not update_video(storage, IDS[1], {"title": "no row yet"}, later)
    [row] = load_table(storage, "videos").to_pylist()
    assert (row["title"], row["visibility"], row["updated_at"]) == ("renamed", "private", later)
    assert row["duration_s"] == 10.0


def test_edits_of_several_videos_land_in_one_commit_each_keeping_what_it_left_out(
        storage: Storage) -> None:
    """A batch of edits (the API's, folded after the answer) is one commit: per video the
    newest edit wins, and a field an edit does not name keeps the row's value."""
    for i in range(3):
        write_video(storage, i, f"original {i}")
    before = open_table(storage, "videos").version()
    later = T0 + timedelta(minutes=5)
    changed = catalog_writer.update_videos(storage, [
        catalog_writer.Edit(IDS[0], {"title": "older"}, later - timedelta(minutes=1)),
        catalog_writer.Edit(IDS[0], {"title": "newest"}, later),
        catalog_writer.Edit(IDS[1], {"visibility": "private"}, later),
    ])
    assert changed == 2
    assert open_table(storage, "videos").version() == before + 1
    rows = {r["video_id"]: r for r in load_table(storage, "videos").to_pylist()}
    assert (rows[IDS[0]]["title"], rows[IDS[0]]["visibility"]) == ("newest", "public")
    assert (rows[IDS[1]]["title"], rows[IDS[1]]["visibility"]) == ("original 1", "private")
    assert rows[IDS[2]]["title"] == "original 2" and rows[IDS[2]]["updated_at"] != later


def test_deletes_of_several_videos_are_one_commit_per_table(storage: Storage) -> None:
    for i in range(3):
        write_video(storage, i)
    before = open_table(storage, "videos").version()
    assert catalog_writer.delete_videos(storage, IDS[:2]) > 0
    history = open_table(storage, "videos").history(10)
    operations = [h["operation"] for h in history if h.get("version", before + 1) > before]
    assert operations.count("DELETE") == 1, operations  # and the vacuum's start and end
    assert set(load_table(storage, "videos").column("video_id").to_pylist()) == {IDS[2]}
    assert set(load_table(storage, "renditions").column("video_id").to_pylist()) == {IDS[2]}


def test_stats_in_the_log_name_no_title(storage: Storage) -> None:
    """The commit log keeps min/max statistics of ids and write times only: a deleted
    video's title does not live on in `_delta_log`."""
    write_video(storage, 0, "a very secret title")
    delete_video(storage, IDS[0])
    log = b"".join(storage.get_bytes(o["Key"]) for o in storage.list_keys("catalog/videos/")
                   if "/_delta_log/" in o["Key"] and o["Key"].endswith(".json"))
    assert IDS[0].encode() in log and b"secret" not in log


def legacy_part(storage: Storage, table: str, video_id: str, rows: list[dict]) -> None:
    data = conform(table, pa.Table.from_pylist(
        [{**r, "video_id": video_id, "written_at": T0} for r in rows]))
    sink = pa.BufferOutputStream()
    pq.write_table(data, sink)
    storage.put_bytes(catalog_key(table, video_id), sink.getvalue().to_pybytes())


def test_main_s_parquet_files_migrate_on_first_write(storage: Storage) -> None:
    """A bucket holding today's main's parts (and a compacted file) reads as before, and the
    first write makes them version 0 of the Delta table and removes the loose files."""
    legacy_part(storage, "videos", IDS[0], [{"title": "legacy zero"}])
    legacy_part(storage, "videos", IDS[1], [{"title": "legacy one"}])
    old = conform("videos", pa.table({"video_id": [IDS[0]], "title": ["older copy"],
                                      "written_at": pa.array([T0 - timedelta(days=1)],
                                                             pa.timestamp("us", tz="UTC"))}))
    sink = pa.BufferOutputStream()
    pq.write_table(old, sink)
    storage.put_bytes(f"catalog/videos/compacted-{IDS[2]}.parquet", sink.getvalue().to_pybytes())
    assert sorted(load_table(storage, "videos").column("title").to_pylist()) == [
        "legacy one", "legacy zero"]

    write_video(storage, 2, "new after migration")
    table = open_table(storage, "videos")
    assert table is not None and table.history()[-1]["operation"] == "WRITE"
    assert sorted(load_table(storage, "videos").column("title").to_pylist()) == [
        "legacy one", "legacy zero", "new after migration"]
    assert not any("/part-01" in k or "/compacted-" in k for k in data_files(storage, "videos"))


def test_compaction_removes_only_old_uncommitted_files(storage: Storage,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """A data file no commit names (its writer was killed before committing) is removed by
    compaction once it is ORPHAN_AGE_H old; a fresh one (a writer about to commit) is kept."""
    write_video(storage, 0)
    orphan = "catalog/videos/part-00000-0d1e2f3a-4b5c-6d7e-8f90-a1b2c3d4e5f6-c000.zstd.parquet"
    storage.put_bytes(orphan, b"not committed")
    compact(storage, "videos")
    assert storage.exists(orphan)
    monkeypatch.setattr(catalog_writer, "ORPHAN_AGE_H", 0)  # as if an hour had passed
    compact(storage, "videos")
    assert not storage.exists(orphan)
    assert load_table(storage, "videos").column("video_id").to_pylist() == [IDS[0]]
