"""Issue 11 finding 1, replayed against the real embedded S3: deletes racing each other or a
compaction never bring a deleted video back, and racing writers lose nothing.

Only the catalog's public functions are used, so the same tests run against main's
Parquet-part catalog (where they fail) and the Delta tables (where they hold).
"""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from reelhouse.catalog import compact, delete_video, load_table, write_rows
from reelhouse.config import Settings
from reelhouse.db import new_id
from reelhouse.storage import Storage

pytestmark = pytest.mark.integration
TABLES = ("videos", "renditions", "thumbnails")


@pytest.fixture
def bucket(s3_settings: Settings) -> Iterator[Storage]:
    """A bucket of its own, emptied after: compaction folds everything under catalog/."""
    storage = Storage(s3_settings.model_copy(update={"s3_bucket": "reelhouse-races"}))
    storage.ensure_bucket()
    storage.delete_prefix("catalog/")
    yield storage
    storage.delete_prefix("catalog/")


def write_video(storage: Storage, video_id: str) -> None:
    write_rows(storage, "videos", video_id, [{"title": f"secret {video_id[-6:]}",
                                              "description": "private notes",
                                              "owner": "alice", "status": "ready"}])
    write_rows(storage, "renditions", video_id, [{"rung": "360p", "height": 360},
                                                 {"rung": "240p", "height": 240}])
    write_rows(storage, "thumbnails", video_id, [{"kind": "poster", "key": "p.jpg"}])


def at_once(*calls: Callable[[], object]) -> None:
    """Run the calls on their own threads, released together; re-raise the first error."""
    start = threading.Barrier(len(calls))
    errors: list[BaseException] = []

    def run(call: Callable[[], object]) -> None:
        start.wait()
        try:
            call()
        except BaseException as e:  # noqa: BLE001 (handed to the test thread)
            errors.append(e)

    threads = [threading.Thread(target=run, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    if errors:
        raise errors[0]


def ids_in(storage: Storage, table: str) -> list[str]:
    return load_table(storage, table).column("video_id").to_pylist()


def test_two_deletes_at_once_stay_deleted(bucket: Storage) -> None:
    """Two videos deleted at the same moment from a compacted catalog are both gone from
    every table afterwards, and the videos nobody deleted are all still there."""
    ids = [new_id() for _ in range(6)]
    for video_id in ids:
        write_video(bucket, video_id)
    for table in TABLES:
        compact(bucket, table)
    for round_ in range(2):
        doomed = ids[2 * round_:2 * round_ + 2]
        at_once(*(lambda v=v: delete_video(bucket, v) for v in doomed))
        for table in TABLES:
            assert not set(doomed) & set(ids_in(bucket, table)), (round_, table)
    assert sorted(set(ids_in(bucket, "videos"))) == sorted(ids[4:])
    assert sorted(ids_in(bucket, "renditions")) == sorted(ids[4:] * 2)


def test_a_delete_during_compaction_stays_deleted(bucket: Storage) -> None:
    """A delete racing the nightly compaction leaves the deleted video out for good, and
    compaction keeps every other video."""
    ids = [new_id() for _ in range(8)]
    for video_id in ids:
        write_video(bucket, video_id)
    for round_, doomed in enumerate(ids[:3]):
        at_once(lambda: [compact(bucket, t) for t in TABLES],
                lambda v=doomed: delete_video(bucket, v))
        for table in TABLES:
            assert doomed not in ids_in(bucket, table), (round_, table)
        write_video(bucket, new_id())  # fresh small files for the next compaction to fold
    assert set(ids[3:]) <= set(ids_in(bucket, "videos"))


def test_twenty_writers_at_once_lose_nothing(bucket: Storage) -> None:
    """Twenty videos' rows written at the same moment (and a compaction among them) are all
    there afterwards, each exactly once."""
    write_video(bucket, new_id())
    ids = [new_id() for _ in range(20)]
    at_once(*(lambda v=v: write_rows(bucket, "renditions", v, [{"rung": "360p"}])
              for v in ids), lambda: compact(bucket, "renditions"))
    found = ids_in(bucket, "renditions")
    assert sorted(v for v in found if v in ids) == sorted(ids)


def _delete_when_released(settings: Settings, video_id: str, start: Any) -> None:
    start.wait()
    delete_video(Storage(settings), video_id)


def test_four_processes_deleting_at_once_stay_deleted(bucket: Storage) -> None:
    """Four API processes deleting four videos of one compacted file at the same moment
    leave all four gone and the other videos in place (no shared memory, only the bucket)."""
    ids = [new_id() for _ in range(7)]
    for video_id in ids:
        write_video(bucket, video_id)
    for table in TABLES:
        compact(bucket, table)
    spawn = multiprocessing.get_context("spawn")
    start = spawn.Barrier(4)
    workers = [spawn.Process(target=_delete_when_released, args=(bucket.settings, v, start))
               for v in ids[:4]]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=300)
    assert [w.exitcode for w in workers] == [0, 0, 0, 0]
    for table in TABLES:
        assert sorted(set(ids_in(bucket, table))) == sorted(ids[4:]), table
