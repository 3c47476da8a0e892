"""The catalog against the real embedded S3: write, read, rerun, compact, delete."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pyarrow as pa
import pytest

from reelhouse.catalog import (
    compact,
    connect,
    count,
    delete_video,
    load_table,
    queries,
    reader,
    renditions_for,
    search,
    write_rows,
)
from reelhouse.catalog import writer as catalog_writer
from reelhouse.catalog.schemas import conform
from reelhouse.catalog.writer import PARQUET_TYPE, to_parquet
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


def write_video(storage: Storage, i: int, title: str | None = None) -> None:
    vid = IDS[i]
    write_rows(storage, "videos", vid, [{
        "title": title or f"Video {i} ocean", "description": "test clip", "owner": "alice",
        "owner_id": 1, "status": "ready", "visibility": "public", "duration_s": 10.0 * (i + 1),
        "height": 720, "created_at": T0.replace(hour=i)}])
    write_rows(storage, "renditions", vid, [
        {"rung": "720p", "height": 720, "bandwidth": 2_800_000, "bytes": 1000},
        {"rung": "360p", "height": 360, "bandwidth": 800_000, "bytes": 300}])
    write_rows(storage, "thumbnails", vid, [
        {"kind": "poster", "key": f"media/{vid}/thumbs/poster.jpg", "width": 1280,
         "height": 720}])


def keys(storage: Storage, table: str) -> list[str]:
    return [o["Key"].rsplit("/", 1)[-1] for o in reader.list_files(storage, table)]


def test_empty_catalog_reads_as_empty_tables(s3_settings: Settings) -> None:
    """With nothing written, connect() still offers all three tables with zero rows."""
    con = connect(s3_settings)
    for table in ("videos", "renditions", "thumbnails"):
        assert con.sql(f"select count(*) from {table}").fetchall() == [(0,)]


def test_write_read_compact_delete(storage: Storage, s3_settings: Settings) -> None:
    """Three videos written, read back, compacted into one file per table, one deleted."""
    for i in range(3):
        write_video(storage, i)
    assert keys(storage, "videos") == [f"part-{v}.parquet" for v in IDS]
    con = connect(storage)
    assert count(con) == 3 and count(con, text="OCEAN video 1") == 1
    assert [r["rung"] for r in renditions_for(con, IDS[0])] == ["720p", "360p"]

    results = {t: compact(storage, t) for t in ("videos", "renditions", "thumbnails")}
    assert results["renditions"].rows == 6 and len(results["renditions"].deleted) == 3
    for table in results:
        assert [k.startswith("compacted-") for k in keys(storage, table)] == [True]
    con = connect(s3_settings)
    assert [r["video_id"] for r in search(con, order="oldest")] == IDS
    assert queries.stats(con)["storage_by_rung"] == {"720p": 3000, "360p": 900}

    assert delete_video(storage, IDS[1]) == 3
    con = connect(storage)
    assert [r["video_id"] for r in search(con, order="oldest")] == [IDS[0], IDS[2]]
    assert renditions_for(con, IDS[1]) == []
    assert con.sql("select count(*) from thumbnails").fetchall() == [(2,)]


def test_rerun_overwrites_its_part(storage: Storage) -> None:
    """Writing a video's rows again replaces them at the same key: no duplicate rows."""
    write_video(storage, 0, "first")
    write_video(storage, 0, "second")
    assert keys(storage, "videos") == [f"part-{IDS[0]}.parquet"]
    assert load_table(storage, "videos").column("title").to_pylist() == ["second"]


def test_rewrite_after_compaction_wins(storage: Storage) -> None:
    """A part written after compaction beats the compacted row, and the next compaction keeps it."""
    write_video(storage, 0, "old title")
    write_video(storage, 1)
    compact(storage, "videos")
    write_video(storage, 0, "new title")
    assert sorted(load_table(storage, "videos").column("title").to_pylist()) == [
        "Video 1 ocean", "new title"]
    compact(storage, "videos")
    assert len(keys(storage, "videos")) == 1
    assert sorted(load_table(storage, "videos").column("title").to_pylist()) == [
        "Video 1 ocean", "new title"]


def test_compaction_window_shows_each_row_once(storage: Storage) -> None:
    """While a compacted file and its parts both exist, readers see every row once."""
    for i in range(2):
        write_video(storage, i)
    raw = reader.read_keys(storage, "renditions",
                           [catalog_key("renditions", v) for v in IDS[:2]])
    folded = to_parquet(conform("renditions", raw.drop_columns([reader.FILE])))
    storage.put_bytes("catalog/renditions/compacted-01JZZZZZZZZZZZZZZZZZZZZZZZ.parquet",
                      folded, PARQUET_TYPE)
    assert len(keys(storage, "renditions")) == 3
    assert load_table(storage, "renditions").num_rows == 4


def test_compaction_leaves_a_part_rewritten_meanwhile(storage: Storage,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """A part overwritten between compaction's read and its deletes survives, and wins."""
    write_video(storage, 0, "before")
    real_dedupe = catalog_writer.dedupe

    def rewrite_then_dedupe(raw: pa.Table) -> pa.Table:
        write_video(storage, 0, "during")
        return real_dedupe(raw)

    monkeypatch.setattr(catalog_writer, "dedupe", rewrite_then_dedupe)
    result = compact(storage, "videos")
    assert result.kept == (catalog_key("videos", IDS[0]),)
    assert load_table(storage, "videos").column("title").to_pylist() == ["during"]


def test_reader_lists_again_when_a_part_vanishes(storage: Storage,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """A part deleted between listing and reading (by a compaction) makes the reader retry."""
    write_video(storage, 0)
    stale = reader.list_files(storage, "videos")
    compact(storage, "videos")
    real_list = reader.list_files
    calls = iter([stale])
    monkeypatch.setattr(reader, "list_files", lambda s, t: next(calls, None) or real_list(s, t))
    assert load_table(storage, "videos").column("video_id").to_pylist() == [IDS[0]]


def test_empty_rows_remove_the_video_from_a_table(storage: Storage) -> None:
    """Writing no rows for a table removes the video's earlier rows, compacted ones included."""
    for i in range(2):
        write_video(storage, i)
    compact(storage, "renditions")
    write_rows(storage, "renditions", IDS[0], [])
    assert set(load_table(storage, "renditions").column("video_id").to_pylist()) == {IDS[1]}


def test_files_of_an_older_schema_are_read(storage: Storage) -> None:
    """A part missing newer columns reads with nulls there instead of failing."""
    old = pa.table({"video_id": [IDS[2]], "title": ["legacy"],
                    "written_at": pa.array([T0], pa.timestamp("us", tz="UTC"))})
    storage.put_bytes(catalog_key("videos", IDS[2]), to_parquet(old), PARQUET_TYPE)
    [row] = load_table(storage, "videos").to_pylist()
    assert row["title"] == "legacy" and row["duration_s"] is None
