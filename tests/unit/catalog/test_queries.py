"""Catalog queries over generated Arrow tables: words, filters, literal text, paging, stats."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import duckdb
import pyarrow as pa
import pytest

from reelhouse.catalog import queries as q
from reelhouse.catalog.errors import CatalogError
from reelhouse.catalog.reader import connect_arrow
from reelhouse.catalog.schemas import conform
from tests.unit.catalog import fakes

T0 = datetime(2025, 3, 1, 12, tzinfo=UTC)
IDS = fakes.video_ids(7, seed=7)
INJECTION = "'; drop table videos; --"
ROWS = [
    ("Ocean Sunset", "waves at dusk", "alice", "public", "ready", 30.0, 1080),
    ("City at night", "neon and RAIN", "bob", "public", "ready", 120.0, 720),
    ("100% pure_fun", "literally", "alice", "private", "processing", 5.0, 480),
    ("1000 pure fun", "", "carol", "unlisted", "failed", None, None),
    (INJECTION, "naughty", "bob", "public", "ready", 60.0, 2160),
    ("Ocean drone", "the sunset over the sea", "carol", "public", "ready", 600.0, 1080),
    ("Été à Paris", None, "alice", "public", "uploaded", None, None),
]


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    """Seven hand-made videos (one a minute) with renditions for the first two."""
    names = ("title", "description", "owner", "visibility", "status", "duration_s", "height")
    rows = [{"video_id": vid, **dict(zip(names, row, strict=True)),
             "created_at": T0 + timedelta(minutes=i), "source_size": 1000 * (i + 1),
             "written_at": T0} for i, (vid, row) in enumerate(zip(IDS, ROWS, strict=True))]
    videos = conform("videos", pa.Table.from_pylist(rows))
    thumbs = conform("thumbnails", pa.Table.from_pylist(
        [{"video_id": IDS[0], "kind": "poster", "key": "p.jpg", "written_at": T0}]))
    return connect_arrow({"videos": videos, "renditions": fakes.renditions(IDS[:2], T0),
                          "thumbnails": thumbs})


def titles(rows: list[dict]) -> list[str]:
    return [r["title"] for r in rows]


def test_every_word_must_match_title_or_description(con: duckdb.DuckDBPyConnection) -> None:
    """Words match case-insensitively anywhere in title or description, and all must match."""
    assert titles(q.search(con, text="OCEAN sunset")) == ["Ocean drone", "Ocean Sunset"]
    assert titles(q.search(con, text="ocean dusk")) == ["Ocean Sunset"]
    assert titles(q.search(con, text="rain")) == ["City at night"]
    assert q.search(con, text="ocean rain") == []


def test_non_ascii_words_match_case_insensitively(con: duckdb.DuckDBPyConnection) -> None:
    """Accented capitals match their lower-case forms."""
    assert titles(q.search(con, text="ÉTÉ")) == ["Été à Paris"]


def test_like_wildcards_in_text_are_literal(con: duckdb.DuckDBPyConnection) -> None:
    """'%' and '_' match only themselves, never any character(s)."""
    assert titles(q.search(con, text="100%")) == ["100% pure_fun"]
    assert titles(q.search(con, text="%")) == ["100% pure_fun"]
    assert titles(q.search(con, text="pure_fun")) == ["100% pure_fun"]
    assert titles(q.search(con, text="_")) == ["100% pure_fun"]


def test_sql_in_any_parameter_is_only_data(con: duckdb.DuckDBPyConnection) -> None:
    """SQL in text or owner is matched as characters; the table survives untouched."""
    assert titles(q.search(con, text=INJECTION)) == [INJECTION]
    assert q.search(con, owner="x' OR '1'='1") == []
    assert q.search(con, status=["ready') OR ('1'='1"]) == []
    assert q.count(con) == len(ROWS)


def test_order_is_whitelisted(con: duckdb.DuckDBPyConnection) -> None:
    """An ordering outside the known names is refused before any SQL is built."""
    with pytest.raises(CatalogError, match="unknown order"):
        q.search(con, order="newest; drop table videos")


def test_filters_combine(con: duckdb.DuckDBPyConnection) -> None:
    """Owner, status, visibility, duration and height filters all apply together."""
    assert titles(q.search(con, owner="alice", order="oldest")) == [
        "Ocean Sunset", "100% pure_fun", "Été à Paris"]
    assert len(q.search(con, status="ready")) == 4
    assert len(q.search(con, status=["failed", "processing"])) == 2
    assert q.search(con, status=[]) == []
    assert titles(q.search(con, visibility="unlisted")) == ["1000 pure fun"]
    assert titles(q.search(con, min_duration=60, max_duration=120, order="shortest")) == [
        INJECTION, "City at night"]
    assert titles(q.search(con, min_height=1080, status="ready", owner="carol")) == [
        "Ocean drone"]


def test_count_matches_search(con: duckdb.DuckDBPyConnection) -> None:
    """count() with the same filters equals the number of rows search() pages through."""
    for filters in ({}, {"text": "ocean"}, {"status": "ready", "min_height": 1000},
                    {"owner": "alice", "visibility": ["public", "private"]}):
        assert q.count(con, **filters) == len(q.search(con, limit=1000, **filters))


def test_orderings(con: duckdb.DuckDBPyConnection) -> None:
    """Each named ordering sorts as it says, missing values last."""
    assert q.search(con)[0]["video_id"] == IDS[-1]
    assert q.search(con, order="oldest")[0]["video_id"] == IDS[0]
    assert titles(q.search(con, order="title", limit=3)) == [
        INJECTION, "100% pure_fun", "1000 pure fun"]
    assert q.search(con, order="longest")[0]["duration_s"] == 600.0
    assert q.search(con, order="largest")[0]["source_size"] == 7000


def test_limit_and_offset_are_checked(con: duckdb.DuckDBPyConnection) -> None:
    """A limit outside 1..MAX_LIMIT or a negative offset is refused."""
    for bad in ({"limit": 0}, {"limit": q.MAX_LIMIT + 1}, {"offset": -1}):
        with pytest.raises(CatalogError):
            q.search(con, **bad)


def test_too_many_words_are_refused(con: duckdb.DuckDBPyConnection) -> None:
    """A search text with more than MAX_WORDS distinct words is refused."""
    with pytest.raises(CatalogError, match="words"):
        q.search(con, text=" ".join(f"w{i}" for i in range(q.MAX_WORDS + 1)))


def test_rows_are_plain_dicts_without_internal_columns(con: duckdb.DuckDBPyConnection) -> None:
    """A search row is a dict of the videos columns only, timestamps in UTC."""
    row = q.search(con, text="dusk")[0]
    assert "_search" not in row and "_title" not in row
    assert row["created_at"] == T0 and row["owner"] == "alice"


def test_video_renditions_and_thumbnails(con: duckdb.DuckDBPyConnection) -> None:
    """Per-video lookups return the row, its rungs tallest first, and its thumbnails."""
    assert q.get_video(con, IDS[1])["title"] == "City at night"
    assert q.get_video(con, "01HK153X000002HGZTYFV7184Z") is None
    assert [r["rung"] for r in q.renditions_for(con, IDS[0])] == ["1080p", "720p", "480p"]
    assert q.renditions_for(con, IDS[4]) == []
    assert [t["kind"] for t in q.thumbnails_for(con, IDS[0])] == ["poster"]


def test_stats(con: duckdb.DuckDBPyConnection) -> None:
    """Stats count videos by status, sum duration and bytes, and group uploads by UTC day."""
    s = q.stats(con)
    assert s["videos"] == 7
    assert s["by_status"] == {"ready": 4, "failed": 1, "processing": 1, "uploaded": 1}
    assert s["total_duration_s"] == 815.0
    assert s["source_bytes"] == sum(1000 * i for i in range(1, 8))
    assert list(s["storage_by_rung"]) == ["1080p", "720p", "480p"]
    assert s["hls_bytes"] == sum(s["storage_by_rung"].values())
    assert s["uploads_per_day"] == [{"day": T0.date(), "uploads": 7}]


def test_stats_over_some_videos_only(con: duckdb.DuckDBPyConnection) -> None:
    """Scoped to ids, totals and rungs count those videos alone; no ids means no videos."""
    s = q.stats(con, video_ids=[IDS[0], IDS[2]])
    assert (s["videos"], s["total_duration_s"], s["source_bytes"]) == (2, 35.0, 4000)
    assert s["by_status"] == {"processing": 1, "ready": 1}
    assert s["hls_bytes"] == sum(b // 8 * 60 for _, _, _, b in fakes.RUNGS)
    assert q.stats(con, video_ids=[])["videos"] == 0
    assert q.stats(con, video_ids=[INJECTION])["storage_by_rung"] == {}


def test_videos_by_id(con: duckdb.DuckDBPyConnection) -> None:
    """A page of ids comes back as rows by id; ids the catalog lacks are simply absent."""
    found = q.videos_by_id(con, [IDS[1], IDS[5], "01HK153X000002HGZTYFV7184Z"])
    assert {k: v["title"] for k, v in found.items()} == {IDS[1]: "City at night",
                                                         IDS[5]: "Ocean drone"}
    assert q.videos_by_id(con, []) == {}


def test_duration_histogram_and_processing_times() -> None:
    """Every video with a duration falls in one bin of at most ~20; processing points come
    newest first and only for videos that were processed, scoped like stats."""
    videos = fakes.videos(500)
    times = pa.array([float(i % 40) + 0.5 for i in range(videos.num_rows)])
    videos = videos.set_column(videos.schema.get_field_index("processing_s"), "processing_s",
                               times)
    big = connect_arrow({"videos": videos})
    bins = q.duration_histogram(big)
    assert sum(b["count"] for b in bins) == 500 and len(bins) <= 21
    assert all(b["end"] - b["start"] == bins[0]["end"] - bins[0]["start"] for b in bins)
    assert len(q.processing_times(big)) == 500 and len(q.processing_times(big, limit=7)) == 7
    some = videos.column("video_id").to_pylist()[:3]
    assert sum(b["count"] for b in q.duration_histogram(big, video_ids=some)) == 3
    assert len(q.processing_times(big, video_ids=some)) == 3
    assert q.duration_histogram(big, video_ids=[]) == []


def test_pages_cover_everything_once() -> None:
    """Consecutive pages are disjoint, in order, and together hold every matching video."""
    con = connect_arrow({"videos": fakes.videos(1000, seed=3)})
    for order, filters in (("newest", {}), ("title", {"text": "ocean"}),
                           ("longest", {"status": "ready"})):
        total = q.count(con, **filters)
        seen = []
        for offset in range(0, total + 40, 40):
            seen += [r["video_id"] for r in q.search(con, order=order, limit=40,
                                                     offset=offset, **filters)]
        everything = [r["video_id"] for r in q.search(con, order=order, limit=1000, **filters)]
        assert seen == everything and len(set(seen)) == total > 0
