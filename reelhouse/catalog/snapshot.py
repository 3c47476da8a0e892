"""The catalog as a server answers from it: one snapshot shared for a while, plus each video's
own rows for videos newer than the snapshot.

A snapshot is all the catalog read into DuckDB (`reader.connect`); rereading it per request
would cost seconds, so one is shared for `ttl_s` and every query runs on its own cursor.
Which videos a caller may see is decided by whoever calls: every answer takes the ids, which
come from the database, so a deleted video is never named. A video deleted through this
process is also `forget`-ten at once, so whole-catalog totals drop it too; deleted through
another process, it leaves those totals within `ttl_s`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Collection, Sequence
from typing import Any

import duckdb

from reelhouse.catalog import queries
from reelhouse.catalog.errors import CatalogError
from reelhouse.catalog.reader import connect, video_rows
from reelhouse.errors import ReelhouseError
from reelhouse.insights import Insights, Rung, VideoFacts
from reelhouse.storage import Storage

log = logging.getLogger("reelhouse.catalog")
TTL_S = 60.0
HISTOGRAM_BINS = 20
MAX_POINTS = 2000
_UNREADABLE = (CatalogError, ReelhouseError, OSError, ValueError, duckdb.Error)


class CatalogSnapshot:
    """DuckDB over the catalog, reread every `ttl_s` seconds; answers for given video ids."""

    def __init__(self, storage: Storage, ttl_s: float = TTL_S,
                 connect_catalog: Callable[[], duckdb.DuckDBPyConnection] | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._storage = storage
        self._ttl_s = ttl_s
        self._connect = connect_catalog or (lambda: connect(storage))
        self._clock = clock
        self._lock = threading.Lock()
        self._con: duckdb.DuckDBPyConnection | None = None
        self._until = float("-inf")
        self._parts: dict[tuple[str, str], list[dict[str, Any]]] = {}
        # Deleted here since the snapshot was read: id -> when forgotten (clock time).
        self._gone: dict[str, float] = {}

    def cursor(self) -> duckdb.DuckDBPyConnection | None:
        """A cursor on the current snapshot, or None while the catalog cannot be read."""
        with self._lock:
            # Under the lock: a burst of requests after expiry reads the catalog once.
            if self._clock() >= self._until:
                started = self._clock()
                try:
                    self._con = self._connect()
                except _UNREADABLE as e:
                    log.warning("catalog unavailable: %s", e)
                    self._con = None
                self._until = self._clock() + self._ttl_s
                self._parts.clear()
                # A delete that committed before this read began is in the snapshot itself.
                self._gone = {v: t for v, t in self._gone.items() if t >= started}
            return self._con.cursor() if self._con is not None else None

    def forget(self, video_id: str) -> None:
        """Leave a just-deleted video out of every answer until a newer snapshot lacks it."""
        with self._lock:
            self._gone[video_id] = self._clock()
            self._parts = {k: v for k, v in self._parts.items() if k[0] != video_id}

    def _forgotten(self) -> set[str]:
        with self._lock:
            return set(self._gone)

    def own_rows(self, video_id: str, table: str) -> list[dict[str, Any]]:
        """One video's rows read from the table's latest version (kept until the next
        snapshot)."""
        with self._lock:
            hit = self._parts.get((video_id, table))
        if hit is not None:
            return hit
        try:
            rows = video_rows(self._storage, table, video_id).to_pylist()
        except _UNREADABLE as e:
            log.warning("catalog rows of %s in %s unreadable: %s", video_id, table, e)
            return []
        with self._lock:
            self._parts[(video_id, table)] = rows
        return rows

    def facts(self, video_ids: Sequence[str], ready: Collection[str] = ()) -> list[VideoFacts]:
        """Facts of those videos the catalog holds, in the order asked; a video in `ready`
        the snapshot lacks yet is read from its own part (written before it became ready)."""
        cur = self.cursor()
        gone = self._forgotten()
        video_ids = [v for v in video_ids if v not in gone]
        rows = queries.videos_by_id(cur, video_ids) if cur is not None else {}
        for video_id in video_ids:
            if video_id not in rows and video_id in ready:
                if own := self.own_rows(video_id, "videos"):
                    rows[video_id] = own[0]
        return [VideoFacts.model_validate(rows[v]) for v in video_ids if v in rows]

    def rungs(self, video_id: str, ready: bool) -> list[Rung]:
        """The HLS rungs of a video, tallest first (from its own part when newer than the
        snapshot and `ready`)."""
        cur = self.cursor()
        if video_id in self._forgotten():
            return []
        rows = queries.renditions_for(cur, video_id) if cur is not None else []
        if not rows and ready:
            rows = sorted(self.own_rows(video_id, "renditions"),
                          key=lambda r: (-(r.get("height") or 0), -(r.get("bandwidth") or 0)))
        return [Rung.model_validate(r) for r in rows]

    def insights(self, video_ids: Sequence[str] | None) -> Insights | None:
        """Totals, uploads per day, storage by rung, durations and processing times over
        `video_ids` (None: every video); None while the catalog cannot be read."""
        cur = self.cursor()
        if cur is None:
            return None
        if gone := self._forgotten():
            if video_ids is None:
                video_ids = [v for (v,) in cur.execute("SELECT video_id FROM videos").fetchall()]
            video_ids = [v for v in video_ids if v not in gone]
        data = queries.stats(cur, video_ids)
        data["duration_histogram"] = queries.duration_histogram(cur, HISTOGRAM_BINS, video_ids)
        data["processing"] = queries.processing_times(cur, MAX_POINTS, video_ids)
        return Insights.model_validate(data)
