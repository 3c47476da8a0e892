"""SDK uploads against the real API and the embedded S3: resume, integrity, bounded memory."""

from __future__ import annotations

import hashlib
import json
import os
import random
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import psutil
import pytest

from reelhouse import keys
from reelhouse.client import Client
from reelhouse.storage import Storage
from tests.integration.client.conftest import MIB, ApiServer

pytestmark = pytest.mark.integration


class CablePulled(Exception):
    """The network went away in the middle of an upload."""


class CountingTransport(httpx.HTTPTransport):
    """Real HTTP to S3 that records each part PUT S3 accepted; can fail after `cut_after`."""

    def __init__(self, cut_after: int | None = None) -> None:
        super().__init__()
        self.cut_after = cut_after
        self.accepted: list[int] = []
        self._lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "PUT":
            with self._lock:
                if self.cut_after is not None and len(self.accepted) >= self.cut_after:
                    raise CablePulled("connection lost")
        response = super().handle_request(request)
        if request.method == "PUT":
            response.read()
            if response.status_code == 200:
                with self._lock:
                    self.accepted.append(int(request.url.params.get("partNumber", "1")))
        return response


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(MIB):
            digest.update(chunk)
    return digest.hexdigest()


def _sha256_object(storage: Storage, key: str) -> str:
    digest = hashlib.sha256()
    body = storage.client.get_object(Bucket=storage.bucket, Key=key)["Body"]
    for chunk in body.iter_chunks(MIB):
        digest.update(chunk)
    return digest.hexdigest()


def test_interrupted_upload_resumes_sending_only_missing_parts(api: ApiServer, storage: Storage,
                                                               tmp_path: Path) -> None:
    """Cut off after two parts, a rerun PUTs exactly the parts S3 lacks; the object is intact."""
    path = tmp_path / "film.mp4"
    path.write_bytes(random.Random(5).randbytes(23 * MIB + 17))  # five 5 MiB parts
    token, resume_dir = api.user_token(), tmp_path / "resume"
    cut = CountingTransport(cut_after=2)
    with Client(api.url, token, storage_transport=cut, resume_dir=resume_dir) as client:
        with pytest.raises(CablePulled):
            client.upload(path, title="Resumable", concurrency=2, progress=False)
    (record,) = resume_dir.glob("*.json")
    video_id = json.loads(record.read_text())["video_id"]

    counting = CountingTransport()
    with Client(api.url, token, storage_transport=counting, resume_dir=resume_dir) as client:
        before = client.upload_status(video_id)
        # The two accepted parts, plus any that were in flight when the cable went.
        assert set(cut.accepted) <= set(before.held) and 2 <= len(before.held) < 5
        video = client.upload(path, concurrency=2, progress=False)

    assert video.id == video_id and video.status == "uploaded"
    assert sorted(counting.accepted) == list(before.missing) == [
        n for n in range(1, 6) if n not in before.held]
    assert not record.exists()
    assert _sha256_object(storage, keys.source_key(video_id)) == _sha256_file(path)


class PeakRss:
    """Samples this process's resident memory in a thread; `peak` is the highest seen."""

    def __init__(self, interval_s: float = 0.02) -> None:
        self.process = psutil.Process()
        self.interval_s = interval_s
        self.peak = self.process.memory_info().rss
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(self.interval_s):
            self.peak = max(self.peak, self.process.memory_info().rss)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def test_two_gib_sparse_file_uploads_in_bounded_memory(start_api: Callable[..., ApiServer],
                                                       storage: Storage,
                                                       tmp_path: Path) -> None:
    """A 2 GiB file goes up in 64 MiB parts, 4 at a time, with peak RSS growth under 300 MB."""
    api = start_api(part_size_bytes=64 * MIB, part_url_batch=20)
    path = tmp_path / "sparse.bin"
    with path.open("wb") as f:
        f.truncate(2 * 1024**3)
    os.utime(path)
    with Client(api.url, api.user_token(), resume_dir=tmp_path / "resume") as client:
        baseline = psutil.Process().memory_info().rss
        started = time.monotonic()
        with PeakRss() as rss:
            video = client.upload(path, concurrency=4, progress=False)
        elapsed = time.monotonic() - started
        growth = rss.peak - baseline
        print(f"2 GiB in {elapsed:.1f}s ({2048 / elapsed:.0f} MiB/s), "
              f"peak RSS growth {growth / MIB:.1f} MiB")
        assert growth < 300 * 1000 * 1000
        head = storage.head(keys.source_key(video.id))
        assert head is not None and int(head["ContentLength"]) == 2 * 1024**3
        client.delete(video.id)  # 2 GiB less on the test machine's disk
