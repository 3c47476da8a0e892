"""The library stays fast with 100,000 videos: every page costs what the first does."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import event

from dashboard.library import PAGE_SIZE, Library, facts
from dashboard.store import Store
from reelhouse.db import Video, new_id, utcnow
from signing_api.deps import Services
from tests.unit.dashboard.conftest import Catalog

N = 100_000


@pytest.fixture(scope="module")
def crowded(services: Services, make_user) -> list[str]:
    """100,000 public videos in the API's database, inserted in bulk; their ids."""
    owner = make_user()
    now = utcnow()
    columns = ("id", "owner_id", "title", "description", "visibility", "status", "filename",
               "content_type", "source_size", "source_sha256", "failure_reason",
               "upload_version", "created_at", "updated_at", "uploaded_at")
    ids = [new_id() for _ in range(N)]
    rows = [(video_id, owner.id, f"clip {i} of the archive", "", "public", "uploaded",
             "c.mp4", "video/mp4", 1, "", "", 1, now, now, now)
            for i, video_id in enumerate(ids)]
    # The driver's executemany: the ORM would spend most of the test building 100k rows.
    with services.db.engine.begin() as conn:
        conn.exec_driver_sql(f"INSERT INTO {Video.__tablename__} ({', '.join(columns)}) "
                             f"VALUES ({', '.join('?' * len(columns))})", rows)
    return ids


def _timed(action) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def test_deep_pages_cost_what_the_first_does(crowded: None, store: Store,
                                             services: Services) -> None:
    """Paging 40 pages deep costs each page the statements the first page did, none skipping
    rows (keyset cursors: the database seeks to the page instead of counting up to it).
    Counted rather than timed, so a busy machine cannot fail it."""
    statements: list[str] = []
    skipped: list[object] = []

    def seen(_conn, _cursor, statement, parameters, *_args) -> None:  # noqa: ANN001
        statements.append(statement)
        if statement.rstrip().upper().endswith("OFFSET ?"):  # SQLite's LIMIT form: OFFSET 0
            skipped.append(parameters[-1])

    lib = Library(store=store)
    event.listen(services.db.engine, "before_cursor_execute", seen)
    try:
        lib.load()
        first = len(statements)
        per_page = []
        for _ in range(40):
            before = len(statements)
            lib.next_page()
            per_page.append(len(statements) - before)
    finally:
        event.remove(services.db.engine, "before_cursor_execute", seen)
    assert len(lib.items) == PAGE_SIZE and lib.page_number == 41
    assert first > 0 and max(per_page) <= first, (first, per_page)
    assert set(skipped) <= {0}, skipped


def test_search_over_the_whole_library(crowded: None, store: Store) -> None:
    """A search that matches one title among 100,000 answers in well under a second."""
    lib = Library(store=store)
    took = _timed(lambda: setattr(lib, "q", "clip 99999 of"))
    assert [c["title"] for c in lib.items] == ["clip 99999 of the archive"]
    assert took < 1.0, took


def test_catalog_facts_for_a_page(crowded: list[str], catalog: Catalog, store: Store) -> None:
    """Facts for one page of cards come through the API from a 100,000-row catalog in well
    under a second (the snapshot is read once, then shared)."""
    catalog.show_videos(crowded)
    page = crowded[-PAGE_SIZE:]
    assert len(facts(store.api, page[:1])) == 1  # reads the snapshot
    took = _timed(lambda: facts(store.api, page))
    assert len(facts(store.api, page)) == PAGE_SIZE
    assert took < 0.5, took
