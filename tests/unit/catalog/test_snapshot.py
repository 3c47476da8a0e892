"""The catalog snapshot a server shares: reread each TTL, own parts for newer videos, and
answers only about the ids it is given."""

from __future__ import annotations

from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from reelhouse.catalog import CatalogError, connect_arrow
from reelhouse.catalog import snapshot as snapshot_module
from reelhouse.catalog.schemas import conform
from reelhouse.catalog.snapshot import CatalogSnapshot
from tests.unit.catalog import fakes

NEWER = "01ARZ3NDEKTSV4RRFFQ69G5FAV"


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class Parts:
    """Stands in for one video's rows at the tables' latest version (delta-rs reads S3
    itself, past moto)."""

    def __init__(self, tables: dict[str, pa.Table]) -> None:
        self.tables = tables
        self.reads: list[tuple[str, str]] = []

    def video_rows(self, _storage: object, table: str, video_id: str) -> pa.Table:
        self.reads.append((table, video_id))
        if table not in self.tables:
            raise CatalogError(f"catalog: cannot read {table}")
        data = self.tables[table]
        return data.filter(pc.equal(data.column("video_id"), video_id))


@pytest.fixture
def videos() -> pa.Table:
    return fakes.videos(50)


def _snapshot(videos: pa.Table, clock: Clock, opened: list[int],
              storage: Any = None) -> CatalogSnapshot:
    def connect() -> duckdb.DuckDBPyConnection:
        opened.append(1)
        ids = videos.column("video_id").to_pylist()
        return connect_arrow({"videos": videos, "renditions": fakes.renditions(ids[:5])})

    return CatalogSnapshot(storage, ttl_s=60, connect_catalog=connect, clock=clock)


def test_one_snapshot_per_ttl(videos: pa.Table) -> None:
    """Every answer within the TTL uses one snapshot; the next one after it rereads."""
    clock, opened = Clock(), []
    snap = _snapshot(videos, clock, opened)
    ids = videos.column("video_id").to_pylist()
    assert [f.video_id for f in snap.facts(ids[:3])] == ids[:3]
    snap.rungs(ids[0], ready=True)
    clock.now = 59.0
    snap.insights(None)
    assert len(opened) == 1
    clock.now = 60.0
    snap.facts(ids[:1])
    assert len(opened) == 2


def test_answers_cover_only_the_ids_given(videos: pa.Table) -> None:
    """Facts, rungs and insights speak of the given ids only; None means every video."""
    snap = _snapshot(videos, Clock(), [])
    ids = videos.column("video_id").to_pylist()
    assert snap.insights(None).videos == 50
    some = snap.insights(ids[:4])
    assert some.videos == 4 and set(some.storage_by_rung) == {"1080p", "720p", "480p"}
    assert snap.insights([]).videos == 0
    assert [r.rung for r in snap.rungs(ids[0], ready=True)] == ["1080p", "720p", "480p"]
    assert [f.video_id for f in snap.facts([ids[7], NEWER, ids[2]])] == [ids[7], ids[2]]


def test_unreadable_catalog_answers_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    """While the catalog cannot be read: no cursor, no insights, no facts; no exception."""
    def broken() -> duckdb.DuckDBPyConnection:
        raise CatalogError("catalog: cannot read videos")

    snap = CatalogSnapshot(Parts({}), connect_catalog=broken)  # type: ignore[arg-type]
    monkeypatch.setattr(snapshot_module, "video_rows", Parts({}).video_rows)
    assert snap.cursor() is None and snap.insights(None) is None
    assert snap.facts([NEWER], ready={NEWER}) == [] and snap.rungs(NEWER, ready=True) == []


def test_a_ready_video_newer_than_the_snapshot(videos: pa.Table,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """A ready video the snapshot lacks is read from the tables (once per snapshot), rungs
    tallest first; a video that is not ready is not looked for."""
    parts = Parts({
        "videos": conform("videos", pa.table({"video_id": [NEWER], "duration_s": [4.0],
                                              "width": [640], "height": [360]})),
        "renditions": conform("renditions", pa.table({
            "video_id": [NEWER, NEWER], "rung": ["240p", "360p"], "height": [240, 360],
            "bandwidth": [5, 9]})),
    })
    monkeypatch.setattr(snapshot_module, "video_rows", parts.video_rows)
    snap = _snapshot(videos, Clock(), [], storage=parts)
    assert snap.facts([NEWER]) == [] and parts.reads == []
    assert snap.facts([NEWER], ready={NEWER})[0].duration_s == 4.0
    assert [r.rung for r in snap.rungs(NEWER, ready=True)] == ["360p", "240p"]
    snap.facts([NEWER], ready={NEWER})
    assert parts.reads == [("videos", NEWER), ("renditions", NEWER)]


def test_a_video_forgotten_here_leaves_every_answer(videos: pa.Table) -> None:
    """After `forget` (this process deleted the video) facts, rungs and whole-catalog totals
    leave it out at once, and a snapshot read afterwards no longer needs the reminder."""
    clock, opened = Clock(), []
    snap = _snapshot(videos, clock, opened)
    ids = videos.column("video_id").to_pylist()
    assert snap.insights(None).videos == 50
    clock.now = 1.0
    snap.forget(ids[0])
    assert snap.facts(ids[:2]) == snap.facts(ids[1:2])
    assert snap.rungs(ids[0], ready=True) == []
    assert snap.insights(None).videos == 49 and snap.insights(ids[:3]).videos == 2
    clock.now = 61.0
    snap.cursor()
    assert snap._forgotten() == set() and len(opened) == 2

