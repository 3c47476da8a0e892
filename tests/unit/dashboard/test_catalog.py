"""Catalog facts and insights for the dashboard, over generated catalog tables."""

from __future__ import annotations

import pyarrow as pa
import pytest

from dashboard import catalog
from reelhouse.catalog import connect_arrow
from tests.unit.catalog import fakes
from tests.unit.dashboard.conftest import Snapshot


@pytest.fixture
def snapshot(no_catalog: Snapshot) -> pa.Table:
    """500 generated videos (with processing times) and their rungs as the shared snapshot."""
    videos = fakes.videos(500)
    processing = pa.array([float(i % 40) + 0.5 for i in range(videos.num_rows)])
    videos = videos.set_column(videos.schema.get_field_index("processing_s"), "processing_s",
                               processing)
    ids = videos.column("video_id").to_pylist()
    no_catalog.con = connect_arrow({"videos": videos, "renditions": fakes.renditions(ids[:10])})
    catalog.insights.clear()
    yield videos
    catalog.insights.clear()


def test_facts_for_a_page_of_ids(snapshot: pa.Table, no_catalog: Snapshot) -> None:
    """Facts come back per known id; ids the catalog lacks are simply absent."""
    ids = snapshot.column("video_id").to_pylist()[:3]
    found = catalog.facts([*ids, "01ARZ3NDEKTSV4RRFFQ69G5FAV"], ready=False)
    assert set(found) == set(ids)
    assert found[ids[0]]["width"] == 1920 and found[ids[0]]["duration_s"] > 0


def test_a_ready_video_newer_than_the_snapshot(snapshot: pa.Table,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """A ready video the snapshot lacks is read from its own part file, rungs tallest first;
    a video that is not ready is not looked for."""
    newer = "01ARZ3NDEKTSV4RRFFQ69G5FAV"
    parts = {"videos": [{"video_id": newer, "duration_s": 4.0, "width": 640, "height": 360}],
             "renditions": [{"rung": "240p", "height": 240, "bandwidth": 5},
                            {"rung": "360p", "height": 360, "bandwidth": 9}]}
    asked: list[str] = []
    monkeypatch.setattr(catalog, "_own_rows",
                        lambda video_id, table: asked.append(table) or parts[table])
    assert catalog.facts([newer], ready=False) == {} and asked == []
    assert catalog.facts([newer])[newer]["duration_s"] == 4.0
    assert [r["rung"] for r in catalog.renditions(newer)] == ["360p", "240p"]


def test_renditions_tallest_first(snapshot: pa.Table) -> None:
    """A video's rungs come tallest first, as the details table shows them."""
    video_id = snapshot.column("video_id")[0].as_py()
    assert [r["rung"] for r in catalog.renditions(video_id)] == ["1080p", "720p", "480p"]


def test_insights_cover_every_chart(snapshot: pa.Table) -> None:
    """Totals, uploads per day, storage by rung, a duration histogram and processing points."""
    data = catalog.insights()
    assert data["videos"] == 500
    assert set(data["storage_by_rung"]) == {"1080p", "720p", "480p"}
    assert sum(b["count"] for b in data["duration_histogram"]) == 500
    assert len(data["duration_histogram"]) <= catalog.HISTOGRAM_BINS + 1
    assert len(data["processing"]) == 500
    assert sum(r["uploads"] for r in data["uploads_per_day"]) == 500


def test_no_catalog_means_no_facts() -> None:
    """When the catalog cannot be read the dashboard gets empty answers, not errors."""
    catalog.insights.clear()
    assert (catalog.facts(["x"]), catalog.renditions("x"), catalog.insights()) == ({}, [], None)
