"""Catalog facts for the dashboard: DuckDB over the Parquet catalog, cached across sessions.

The catalog is a snapshot that a connection takes when it opens, so one connection is shared
by every session for `TTL_S` seconds; each query runs on its own cursor. When the catalog
cannot be read (no S3 yet, no rows yet) the dashboard shows what the API knows and says so.
"""

from __future__ import annotations

import logging
import math
from functools import cache
from typing import TYPE_CHECKING, Any

import panel as pn

from reelhouse import keys
from reelhouse.config import Settings, load_settings
from reelhouse.errors import ReelhouseError

if TYPE_CHECKING:
    import duckdb

    from reelhouse.storage import Storage

# pyarrow and DuckDB load on first use: a page's first HTTP answer must not wait for them
# (the stack's readiness probe gives the dashboard two seconds).

log = logging.getLogger("dashboard")
TTL_S = 60
HISTOGRAM_BINS = 20
MAX_POINTS = 2000
FACT_COLUMNS = ("duration_s", "width", "height", "rung_count", "hls_bytes", "processing_s",
                "fps", "video_codec", "audio_codec")


@cache
def settings() -> Settings:
    """The settings `reelhouse up` handed the dashboard through REELHOUSE_* variables."""
    return load_settings()


@pn.cache(ttl=TTL_S)
def connection() -> duckdb.DuckDBPyConnection | None:
    """A shared catalog snapshot, or None when the catalog cannot be read right now."""
    import duckdb

    from reelhouse import catalog

    try:
        return catalog.connect(settings())
    except (catalog.CatalogError, ReelhouseError, OSError, duckdb.Error) as e:
        log.warning("catalog unavailable: %s", e)
        return None


def _cursor() -> duckdb.DuckDBPyConnection | None:
    con = connection()
    return con.cursor() if con is not None else None


@cache
def _storage() -> Storage:
    from reelhouse.storage import Storage

    return Storage(settings())


@pn.cache(ttl=TTL_S)
def _own_rows(video_id: str, table: str) -> list[dict[str, Any]]:
    """One video's rows read from its own part file: for videos newer than the snapshot."""
    from reelhouse.catalog.reader import dedupe, read_keys
    from reelhouse.catalog.schemas import conform

    storage = _storage()
    key = keys.catalog_key(table, video_id)
    try:
        if not storage.exists(key):
            return []
        return conform(table, dedupe(read_keys(storage, table, [key]))).to_pylist()
    except (ReelhouseError, OSError, ValueError) as e:
        log.warning("catalog part %s unreadable: %s", key, e)
        return []


def _facts(video_ids: list[str]) -> dict[str, dict[str, Any]]:
    from reelhouse import catalog

    cur = _cursor()
    if cur is None or not video_ids:
        return {}
    found = {}
    for video_id in video_ids:
        row = catalog.get_video(cur, video_id)
        if row is not None:
            found[video_id] = {k: row.get(k) for k in FACT_COLUMNS}
    return found


def facts(video_ids: list[str], ready: bool = True) -> dict[str, dict[str, Any]]:
    """Per video id, what probing and processing found. A `ready` video the shared snapshot
    does not hold yet is read from its own catalog part (written before it became ready)."""
    found = _facts(video_ids)
    for video_id in video_ids if ready else ():
        if video_id not in found and (rows := _own_rows(video_id, "videos")):
            found[video_id] = {k: rows[0].get(k) for k in FACT_COLUMNS}
    return found


def renditions(video_id: str) -> list[dict[str, Any]]:
    """The HLS rungs of a ready video, tallest first."""
    from reelhouse import catalog

    cur = _cursor()
    rungs = catalog.renditions_for(cur, video_id) if cur is not None else []
    if not rungs:
        rungs = sorted(_own_rows(video_id, "renditions"),
                       key=lambda r: (-(r.get("height") or 0), -(r.get("bandwidth") or 0)))
    return rungs


def _duration_histogram(cur: duckdb.DuckDBPyConnection) -> list[dict[str, float]]:
    top = cur.execute("SELECT max(duration_s) FROM videos WHERE duration_s > 0").fetchone()[0]
    if not top:
        return []
    width = max(1.0, math.ceil(float(top) / HISTOGRAM_BINS))
    rows = cur.execute(
        "SELECT floor(duration_s / ?) AS bin, count(*) FROM videos WHERE duration_s > 0 "
        "GROUP BY bin ORDER BY bin", [width]).fetchall()
    return [{"start": b * width, "end": (b + 1) * width, "count": int(n)} for b, n in rows]


def _processing_points(cur: duckdb.DuckDBPyConnection) -> list[dict[str, float]]:
    # Durations and seconds only: ids and titles of other people's videos stay out of charts.
    rows = cur.execute(
        "SELECT duration_s, processing_s FROM videos WHERE processing_s IS NOT NULL "
        "AND duration_s IS NOT NULL ORDER BY processed_at DESC NULLS LAST LIMIT ?",
        [MAX_POINTS]).fetchall()
    return [{"duration_s": float(d), "processing_s": float(p)} for d, p in rows]


@pn.cache(ttl=TTL_S)
def insights() -> dict[str, Any] | None:
    """Totals, uploads per day, storage by rung, durations and processing times; None if
    the catalog cannot be read."""
    from reelhouse import catalog

    cur = _cursor()
    if cur is None:
        return None
    data = catalog.stats(cur)
    data["duration_histogram"] = _duration_histogram(cur)
    data["processing"] = _processing_points(cur)
    return data
