"""Paging stays fast at catalog scale: 100,000 generated videos, a page well under 100 ms."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import duckdb
import pytest

from reelhouse.catalog import queries as q
from reelhouse.catalog.reader import connect_arrow
from tests.unit.catalog import fakes

N = 100_000
BUDGET_S = 0.100


@pytest.fixture(scope="module")
def big() -> duckdb.DuckDBPyConnection:
    """A connection over 100,000 generated videos."""
    return connect_arrow({"videos": fakes.videos(N, seed=1)})


def _timings_s(run: Callable[[], object], repeat: int = 7) -> tuple[float, float]:
    """Best and median wall time of `repeat` runs after a warm-up; the best resists noise
    from other work on a shared machine."""
    run()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times)


@pytest.mark.parametrize("label, kwargs", [
    ("first page, newest", {}),
    ("deep page, newest", {"offset": N - 100}),
    ("two words", {"text": "Ocean sunset", "offset": 200}),
    ("words and filters", {"text": "river", "status": "ready", "visibility": ["public"],
                           "min_duration": 60, "min_height": 720, "order": "longest"}),
    ("by title, mid-way", {"order": "title", "offset": N // 2}),
])
def test_search_page_is_fast(big: duckdb.DuckDBPyConnection, label: str, kwargs: dict,
                             record_property: Callable[[str, object], None]) -> None:
    """A 50-row page of 100,000 videos comes back in under 100 ms."""
    assert len(q.search(big, **kwargs)) == 50
    best, median = _timings_s(lambda: q.search(big, **kwargs))
    record_property("search_ms", {"best": round(best * 1000, 1), "median": round(median * 1000, 1)})
    print(f"\n{label}: best {best * 1000:.1f} ms, median {median * 1000:.1f} ms")
    assert best < BUDGET_S


def test_count_is_fast(big: duckdb.DuckDBPyConnection) -> None:
    """Counting matches for the pager over 100,000 videos takes well under 100 ms."""
    assert q.count(big) == N
    best, _ = _timings_s(lambda: q.count(big, text="ocean sunset", status="ready"))
    assert best < BUDGET_S
