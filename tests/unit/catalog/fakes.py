"""Generated catalog tables for tests: deterministic, vectorised, any size."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pyarrow as pa
from ulid import ULID

from reelhouse.catalog.schemas import conform

START = datetime(2024, 1, 1, tzinfo=UTC)
WORDS = ["cat", "dog", "ocean", "sunset", "city", "drone", "piano", "rain", "forest", "train",
         "kitchen", "mountain", "river", "snow", "concert", "garden"]
STATUSES = ["ready", "ready", "ready", "processing", "failed", "uploaded"]
RUNGS = [("1080p", 1920, 1080, 5_000_000), ("720p", 1280, 720, 2_800_000),
         ("480p", 854, 480, 1_400_000)]


def video_ids(n: int, seed: int = 0) -> list[str]:
    """`n` distinct ULIDs in creation order."""
    base = int(START.timestamp() * 1000)
    rng = np.random.default_rng(seed)
    randomness = rng.integers(0, 2**62, size=n)
    return [str(ULID.from_bytes((base + i * 60_000).to_bytes(6, "big")
                                + int(r).to_bytes(10, "big")))
            for i, r in enumerate(randomness)]


def videos(n: int, seed: int = 0, written_at: datetime = START) -> pa.Table:
    """A videos table of `n` rows: two-word titles, mixed statuses, owners and sizes."""
    rng = np.random.default_rng(seed)
    ids = video_ids(n, seed)
    w = np.array(WORDS)
    titles = np.char.add(np.char.add(w[rng.integers(0, len(w), n)], " "),
                         w[rng.integers(0, len(w), n)])
    descriptions = np.char.add("filmed near the ", w[rng.integers(0, len(w), n)])
    created = [START + timedelta(minutes=i) for i in range(n)]
    data = pa.table({
        "video_id": ids,
        "owner": [f"user{i}" for i in rng.integers(0, 50, n)],
        "owner_id": rng.integers(0, 50, n),
        "title": titles.tolist(),
        "description": descriptions.tolist(),
        "visibility": np.array(["public", "unlisted", "private"])[rng.integers(0, 3, n)].tolist(),
        "status": np.array(STATUSES)[rng.integers(0, len(STATUSES), n)].tolist(),
        "source_size": rng.integers(1_000_000, 2_000_000_000, n),
        "duration_s": rng.uniform(1, 3600, n).round(2),
        "width": np.full(n, 1920, dtype=np.int32),
        "height": np.array([2160, 1080, 720, 480], dtype=np.int32)[rng.integers(0, 4, n)],
        "created_at": pa.array(created, pa.timestamp("us", tz="UTC")),
        "written_at": pa.array([written_at] * n, pa.timestamp("us", tz="UTC")),
    })
    return conform("videos", data)


def renditions(ids: list[str], written_at: datetime = START) -> pa.Table:
    """Three rungs per video."""
    rows = [{"video_id": v, "rung": r, "width": w, "height": h, "bandwidth": b,
             "bytes": b // 8 * 60, "segment_count": 10, "written_at": written_at}
            for v in ids for r, w, h, b in RUNGS]
    return conform("renditions", pa.Table.from_pylist(rows))
