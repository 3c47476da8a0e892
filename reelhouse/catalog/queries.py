"""The catalog questions the API, dashboard and notebooks ask, as bound-parameter DuckDB SQL."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import duckdb

from reelhouse.catalog.errors import CatalogError
from reelhouse.catalog.reader import INTERNAL_VIDEOS as VIDEOS

# Whitelisted orderings; each ends on video_id so pages never overlap or skip rows (`_title`
# is the precomputed rank by lower(title), then video_id).
ORDERS = {
    "newest": "created_at DESC NULLS LAST, video_id DESC",
    "oldest": "created_at ASC NULLS LAST, video_id ASC",
    "title": "_title ASC",
    "longest": "duration_s DESC NULLS LAST, video_id DESC",
    "shortest": "duration_s ASC NULLS LAST, video_id ASC",
    "largest": "source_size DESC NULLS LAST, video_id DESC",
}
MAX_LIMIT = 1000
MAX_WORDS = 20

Choice = str | Sequence[str] | None


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    cursor = con.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _one_of(column: str, value: Choice, clauses: list[str], params: list[Any]) -> None:
    if value is None:
        return
    values = [value] if isinstance(value, str) else list(value)
    if not values:
        clauses.append("FALSE")
        return
    clauses.append(f"{column} IN ({', '.join('?' * len(values))})")
    params += [str(v) for v in values]


def words(text: str | None) -> list[str]:
    """The distinct whitespace-separated words of a search text (at most MAX_WORDS)."""
    found = list(dict.fromkeys((text or "").split()))
    if len(found) > MAX_WORDS:
        raise CatalogError(f"catalog: search text has more than {MAX_WORDS} words")
    return found


def where(text: str | None = None, owner: str | None = None, status: Choice = None,
          visibility: Choice = None, min_duration: float | None = None,
          max_duration: float | None = None, min_height: int | None = None,
          owner_id: int | None = None) -> tuple[str, list[Any]]:
    """The WHERE clause of a video search and its parameters; user values are only ever bound."""
    clauses: list[str] = []
    params: list[Any] = []
    for word in words(text):
        # contains() matches literally: '%' and '_' in a word are just characters. A word has
        # no whitespace, so it cannot straddle the newline between title and description.
        clauses.append("contains(_search, lower(?))")
        params.append(word)
    if owner is not None:
        clauses.append("owner = ?")
        params.append(str(owner))
    if owner_id is not None:
        clauses.append("owner_id = ?")
        params.append(int(owner_id))
    _one_of("status", status, clauses, params)
    _one_of("visibility", visibility, clauses, params)
    for sql, value, kind in (("duration_s >= ?", min_duration, float),
                             ("duration_s <= ?", max_duration, float),
                             ("height >= ?", min_height, int)):
        if value is not None:
            clauses.append(sql)
            params.append(kind(value))
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def search(con: duckdb.DuckDBPyConnection, text: str | None = None, owner: str | None = None,
           status: Choice = None, visibility: Choice = None,
           min_duration: float | None = None, max_duration: float | None = None,
           min_height: int | None = None, order: str = "newest", limit: int = 50,
           offset: int = 0, owner_id: int | None = None) -> list[dict[str, Any]]:
    """One page of videos matching every filter; all words of `text` must appear in the
    title or description, case-insensitively."""
    if order not in ORDERS:
        raise CatalogError(f"catalog: unknown order {order!r} (one of {', '.join(ORDERS)})")
    if not 1 <= int(limit) <= MAX_LIMIT or int(offset) < 0:
        raise CatalogError(f"catalog: limit must be 1..{MAX_LIMIT} and offset >= 0")
    clause, params = where(text, owner, status, visibility, min_duration, max_duration,
                           min_height, owner_id)
    # Late materialisation: page over row ids and sort keys only, then fetch 50 full rows.
    sql = (f"WITH page AS (SELECT rowid AS r FROM {VIDEOS}{clause} "
           f"ORDER BY {ORDERS[order]} LIMIT ? OFFSET ?) "
           f"SELECT * EXCLUDE (_search, _title) FROM {VIDEOS} "
           f"WHERE rowid IN (SELECT r FROM page) ORDER BY {ORDERS[order]}")
    return _rows(con, sql, [*params, int(limit), int(offset)])


def count(con: duckdb.DuckDBPyConnection, text: str | None = None, owner: str | None = None,
          status: Choice = None, visibility: Choice = None,
          min_duration: float | None = None, max_duration: float | None = None,
          min_height: int | None = None, owner_id: int | None = None) -> int:
    """How many videos `search` would page through with the same filters."""
    clause, params = where(text, owner, status, visibility, min_duration, max_duration,
                           min_height, owner_id)
    row = con.execute(f"SELECT count(*) FROM {VIDEOS}{clause}", params).fetchone()
    return int(row[0]) if row else 0


def get_video(con: duckdb.DuckDBPyConnection, video_id: str) -> dict[str, Any] | None:
    """The catalog row of one video, or None."""
    found = _rows(con, "SELECT * FROM videos WHERE video_id = ?", [video_id])
    return found[0] if found else None


def videos_by_id(con: duckdb.DuckDBPyConnection, video_ids: Sequence[str]
                 ) -> dict[str, dict[str, Any]]:
    """The catalog rows of those videos it holds, by id (one query for a page of cards)."""
    if not video_ids:
        return {}
    rows = _rows(con, "SELECT * FROM videos WHERE video_id IN (SELECT unnest(?::VARCHAR[]))",
                 [list(video_ids)])
    return {row["video_id"]: row for row in rows}


def renditions_for(con: duckdb.DuckDBPyConnection, video_id: str) -> list[dict[str, Any]]:
    """The HLS rungs of one video, tallest (then richest) first."""
    return _rows(con, "SELECT * FROM renditions WHERE video_id = ? "
                      "ORDER BY height DESC NULLS LAST, bandwidth DESC NULLS LAST, rung",
                 [video_id])


def thumbnails_for(con: duckdb.DuckDBPyConnection, video_id: str) -> list[dict[str, Any]]:
    """The poster and storyboard sheets of one video."""
    return _rows(con, "SELECT * FROM thumbnails WHERE video_id = ? ORDER BY kind, key", [video_id])


Scope = Sequence[str] | None


def _scoped(table: str, video_ids: Scope) -> tuple[str, list[Any]]:
    """`table` as a FROM item, narrowed to `video_ids` unless that is None (every video)."""
    if video_ids is None:
        return table, []
    return (f"(SELECT * FROM {table} WHERE video_id IN (SELECT unnest(?::VARCHAR[]))) "
            f"AS {table}", [list(video_ids)])


def stats(con: duckdb.DuckDBPyConnection, video_ids: Scope = None) -> dict[str, Any]:
    """Catalog totals: videos by status, duration, bytes (source, HLS by rung), uploads per day;
    over `video_ids` only when given (say, those a viewer may see)."""
    videos, vp = _scoped("videos", video_ids)
    renditions, rp = _scoped("renditions", video_ids)
    totals = con.execute(
        "SELECT count(*), coalesce(sum(duration_s), 0), coalesce(sum(source_size), 0) "
        f"FROM {videos}", vp).fetchone()
    count, duration, source = totals if totals is not None else (0, 0.0, 0)
    by_status = dict(con.execute(
        f"SELECT status, count(*) FROM {videos} GROUP BY status "
        "ORDER BY count(*) DESC, status", vp).fetchall())
    by_rung = dict(con.execute(
        f"SELECT rung, sum(bytes)::BIGINT FROM {renditions} GROUP BY rung "
        "ORDER BY max(height) DESC NULLS LAST, rung", rp).fetchall())
    per_day = _rows(con, "SELECT CAST(coalesce(uploaded_at, created_at) AS DATE) AS day, "
                         f"count(*) AS uploads FROM {videos} "
                         "WHERE coalesce(uploaded_at, created_at) IS NOT NULL "
                         "GROUP BY day ORDER BY day", vp)
    return {
        "videos": int(count),
        "by_status": by_status,
        "total_duration_s": float(duration),
        "source_bytes": int(source),
        "hls_bytes": int(sum(v or 0 for v in by_rung.values())),
        "storage_by_rung": by_rung,
        "uploads_per_day": per_day,
    }


def duration_histogram(con: duckdb.DuckDBPyConnection, bins: int = 20,
                       video_ids: Scope = None) -> list[dict[str, float]]:
    """How many videos last how long: about `bins` bins of whole seconds, empty bins left out."""
    videos, vp = _scoped("videos", video_ids)
    row = con.execute(f"SELECT max(duration_s) FROM {videos} WHERE duration_s > 0",
                      vp).fetchone()
    top = row[0] if row is not None else None
    if not top:
        return []
    width = max(1.0, math.ceil(float(top) / bins))
    rows = con.execute(
        f"SELECT floor(duration_s / ?) AS bin, count(*) FROM {videos} WHERE duration_s > 0 "
        "GROUP BY bin ORDER BY bin", [width, *vp]).fetchall()
    return [{"start": b * width, "end": (b + 1) * width, "count": int(n)} for b, n in rows]


def processing_times(con: duckdb.DuckDBPyConnection, limit: int = 2000,
                     video_ids: Scope = None) -> list[dict[str, float]]:
    """(duration_s, processing_s) of the most recently processed videos, newest first."""
    videos, vp = _scoped("videos", video_ids)
    rows = con.execute(
        f"SELECT duration_s, processing_s FROM {videos} WHERE processing_s IS NOT NULL "
        "AND duration_s IS NOT NULL ORDER BY processed_at DESC NULLS LAST LIMIT ?",
        [*vp, int(limit)]).fetchall()
    return [{"duration_s": float(d), "processing_s": float(p)} for d, p in rows]
