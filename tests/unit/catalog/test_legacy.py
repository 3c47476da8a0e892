"""Reading the pre-Delta catalog for migration (newest file per video wins), and DuckDB
connections over Arrow tables (no storage)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyarrow as pa

from reelhouse.catalog.legacy import FILE, dedupe, is_legacy_file
from reelhouse.catalog.reader import connect_arrow
from reelhouse.catalog.schemas import TABLES
from reelhouse.catalog.writer import rows_table

A, B = "01HK153X000002HGZTYFV7184Q", "01HK155QK000012H1FFRGBCXE8"
T0 = datetime(2025, 1, 1, tzinfo=UTC)


def _tagged(table: str, video_id: str, rows: list[dict], file: str, at: datetime) -> pa.Table:
    data = rows_table(table, video_id, rows, at)
    return data.append_column(FILE, pa.array([file] * data.num_rows, pa.string()))


def test_newest_write_of_a_video_wins() -> None:
    """A part rewritten after compaction beats the compacted copy of the same video."""
    raw = pa.concat_tables([
        _tagged("videos", A, [{"title": "old"}], "catalog/videos/compacted-1.parquet", T0),
        _tagged("videos", B, [{"title": "b"}], "catalog/videos/compacted-1.parquet", T0),
        _tagged("videos", A, [{"title": "new"}], "catalog/videos/part-A.parquet",
                T0 + timedelta(seconds=1)),
    ])
    rows = {r["video_id"]: r["title"] for r in dedupe(raw).to_pylist()}
    assert rows == {A: "new", B: "b"}


def test_compaction_window_duplicates_are_seen_once() -> None:
    """The same write present in a part and a new compacted file yields each row once."""
    rungs = [{"rung": "720p"}, {"rung": "480p"}]
    raw = pa.concat_tables([
        _tagged("renditions", A, rungs, "catalog/renditions/compacted-2.parquet", T0),
        _tagged("renditions", A, rungs, "catalog/renditions/part-A.parquet", T0),
    ])
    kept = dedupe(raw)
    assert sorted(kept.column("rung").to_pylist()) == ["480p", "720p"]
    assert FILE not in kept.column_names


def test_fewer_rows_in_the_newest_write_replace_all_older_rows() -> None:
    """A rerun with two rungs replaces an older three-rung write rather than merging them."""
    raw = pa.concat_tables([
        _tagged("renditions", A, [{"rung": r} for r in ("1080p", "720p", "480p")],
                "catalog/renditions/compacted-1.parquet", T0),
        _tagged("renditions", A, [{"rung": "720p"}, {"rung": "480p"}],
                "catalog/renditions/part-A.parquet", T0 + timedelta(minutes=1)),
    ])
    assert sorted(dedupe(raw).column("rung").to_pylist()) == ["480p", "720p"]


def test_empty_connection_has_every_table_with_its_columns() -> None:
    """With no data, each view exists, counts zero and has the schema's columns."""
    con = connect_arrow({})
    for table in TABLES:
        assert con.sql(f"select count(*) from {table}").fetchall() == [(0,)]
    columns = [row[0] for row in con.sql("describe videos").fetchall()]
    assert columns[:3] == ["video_id", "owner", "owner_id"]
    assert "_search" not in columns


def test_timestamps_come_back_in_utc() -> None:
    """TIMESTAMPTZ values reach Python as aware UTC datetimes, through cursors too."""
    con = connect_arrow({"videos": rows_table("videos", A, [{"created_at": T0}], T0)})
    [(created,)] = con.sql("select created_at from videos").fetchall()
    assert created == T0 and created.utcoffset() == timedelta(0)
    cursor = con.cursor()
    assert cursor.execute("select current_setting('TimeZone')").fetchall() == [("UTC",)]


def test_the_largest_file_can_still_lose_or_win_a_contest() -> None:
    """A video in the big compacted file and in a part is judged by written_at either way."""
    big = _tagged("videos", B, [{"title": "b"}], "catalog/videos/compacted-1.parquet", T0)
    raw = pa.concat_tables([
        big, big,  # padding so the compacted file is the largest
        _tagged("videos", A, [{"title": "compacted, newer"}],
                "catalog/videos/compacted-1.parquet", T0 + timedelta(hours=1)),
        _tagged("videos", A, [{"title": "stale part"}], "catalog/videos/part-A.parquet", T0),
    ])
    titles = sorted(dedupe(raw).column("title").to_pylist())
    assert titles == ["b", "b", "compacted, newer"]


def test_a_single_file_is_returned_whole() -> None:
    """Rows from one file are never contested: all come back, without the file column."""
    raw = _tagged("renditions", A, [{"rung": "720p"}, {"rung": "480p"}], "f", T0)
    kept = dedupe(raw)
    assert kept.num_rows == 2 and FILE not in kept.column_names


def test_legacy_files_are_told_from_delta_data_files() -> None:
    """Only main's `part-{id}` and `compacted-{ULID}` files are migrated; Delta's own data
    files (also `part-...`) and its log are left alone."""
    assert is_legacy_file(f"catalog/videos/part-{A}.parquet")
    assert is_legacy_file(f"catalog/videos/compacted-{B}.parquet")
    assert not is_legacy_file("catalog/videos/part-00000-3f1c2b1e-0c5d-4b7e-9a51-"
                              "2d3c4e5f6a7b-c000.zstd.parquet")
    assert not is_legacy_file("catalog/videos/_delta_log/00000000000000000000.json")
    assert not is_legacy_file(f"catalog/videos/part-{A}.parquet.tmp")
