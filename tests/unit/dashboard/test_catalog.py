"""Catalog facts reach the dashboard through the API, for what the visitor may see only."""

from __future__ import annotations

import panel as pn

from dashboard.library import Library
from dashboard.store import Store
from dashboard.views.insights import EMPTY, InsightsView
from dashboard.views.video import VideoView
from tests.unit.dashboard.conftest import PASSWORD, Catalog


def _html(view: object) -> str:
    root = view.__panel__()  # type: ignore[attr-defined]
    return "\n".join(str(p.object) for p in root.select(pn.pane.HTML))


def test_cards_carry_catalog_facts(store: Store, catalog: Catalog, make_user,
                                   make_video) -> None:
    """A ready video's card shows the duration and size the catalog holds for it."""
    owner = make_user()
    video = make_video(owner, title="measured clip")
    facts = catalog.show_videos([video.id]).to_pylist()[0]
    lib = Library(store=store)
    lib.q = "measured clip"
    (card,) = lib.items
    assert card["resolution"] == f"1920×{facts['height']}"
    assert card["duration"] and card["id"] == video.id


def test_video_page_details_and_rungs(store: Store, catalog: Catalog, make_user,
                                      make_video) -> None:
    """The video page gets its facts and rungs (tallest first) from the API's catalog."""
    owner = make_user()
    video = make_video(owner)
    catalog.show_videos([video.id])
    view = VideoView(store=store)
    fact, rungs = view._catalog(store.api.video(video.id), ready=True)
    assert fact.width == 1920 and [r.rung for r in rungs] == ["1080p", "720p", "480p"]


def test_private_facts_stay_private(store: Store, catalog: Catalog, make_user,
                                    make_video) -> None:
    """Anonymous visitors get no facts of a private video; its owner does."""
    owner = make_user()
    hidden = make_video(owner, visibility="private")
    catalog.show_videos([hidden.id])
    assert store.api.facts([hidden.id]) == {}
    store.login(owner.username, PASSWORD)
    assert set(store.api.facts([hidden.id])) == {hidden.id}


def test_insights_cover_what_the_visitor_may_list(store: Store, catalog: Catalog, make_user,
                                                  make_video) -> None:
    """Insights count public videos for everyone and add the owner's private ones for them;
    every chart gets its data."""
    owner = make_user()
    shown = [make_video(owner) for _ in range(3)]
    hidden = make_video(owner, visibility="private")
    catalog.show_videos([v.id for v in [*shown, hidden]])
    view = InsightsView(store=store)
    store.page = "insights"
    view.load()
    assert "Processed videos" in _html(view) and ">3<" in _html(view)
    store.login(owner.username, PASSWORD)
    data = store.api.insights()
    assert data.videos == 4 and len(data.processing) == 4
    assert set(data.storage_by_rung) == {"1080p", "720p", "480p"}
    assert sum(b.count for b in data.duration_histogram) == 4
    assert sum(d.uploads for d in data.uploads_per_day) == 4


def test_no_catalog_means_no_facts(store: Store, make_user, make_video) -> None:
    """When the catalog cannot be read the dashboard shows the API's records, not errors."""
    owner = make_user()
    video = make_video(owner, title="unmeasured clip")
    lib = Library(store=store)
    lib.q = "unmeasured clip"
    assert [(c["id"], c["duration"]) for c in lib.items] == [(video.id, "")]
    view = InsightsView(store=store)
    store.page = "insights"
    view.load()
    assert EMPTY in _html(view)
