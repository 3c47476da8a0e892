"""The SDK's upload against a fake API and S3: parts, checksums, retries, resume."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import httpx
import pytest

from reelhouse.client import Client, TransferError
from tests.unit.client.fakes import FakeCloud, s3_error


def test_multipart_upload_sends_every_part_with_its_checksum(client: Client, cloud: FakeCloud,
                                                             film: Path) -> None:
    """Ten parts go up (each URL signed with the part's SHA-256) and assemble to the file."""
    video = client.upload(film, title="Film", concurrency=3, progress=False)
    assert video.status == "uploaded"
    assert cloud.objects[video.id] == film.read_bytes()
    assert sorted(cloud.puts) == list(range(1, 11))
    upload_signs = [n for call in cloud.sign_calls for n in call]
    assert sorted(upload_signs) == list(range(1, 11))  # one signing per part, with its hash
    assert not list(client.resume.directory.glob("*.json"))


def test_small_file_is_one_put_with_a_whole_file_checksum(client: Client, cloud: FakeCloud,
                                                          tmp_path: Path) -> None:
    """A file no bigger than a part goes up in one PUT whose SHA-256 S3 checks."""
    path = tmp_path / "tiny.mp4"
    path.write_bytes(b"tiny")
    video = client.upload(path, progress=False)
    assert cloud.objects[video.id] == b"tiny"
    assert video.source_sha256 == hashlib.sha256(b"tiny").hexdigest()
    assert cloud.sign_calls == []


def test_without_checksums_urls_come_in_batches(client: Client, cloud: FakeCloud,
                                                film: Path) -> None:
    """With checksum=False, part URLs are fetched a batch (the API's size) at a time."""
    client.upload(film, checksum=False, concurrency=1, progress=False)
    assert sorted(cloud.puts) == list(range(1, 11))
    # The first two URLs came with the upload; the rest two per request.
    assert cloud.sign_calls == [[3, 4], [5, 6], [7, 8], [9, 10]]


def test_progress_counts_every_byte_once(client: Client, cloud: FakeCloud, film: Path) -> None:
    """The callback sees the total grow to the file size, rolled back for retried parts."""
    cloud.script[4] = [httpx.Response(503)]
    seen: list[tuple[int, int]] = []
    client.upload(film, concurrency=2, progress=lambda done, total: seen.append((done, total)))
    assert seen[0] == (0, 95)
    assert seen[-1] == (95, 95)
    assert max(done for done, _ in seen) == 95


def test_transient_failures_are_retried(client: Client, cloud: FakeCloud, film: Path) -> None:
    """A 503, a dropped connection and a 500 on one part: it is sent again until S3 takes it."""
    cloud.script[2] = [httpx.Response(503), httpx.ReadError("reset"), httpx.Response(500)]
    video = client.upload(film, concurrency=1, progress=False)
    assert cloud.objects[video.id] == film.read_bytes()
    assert cloud.puts.count(2) == 1 and not cloud.script[2]


def test_refused_url_is_renewed(client: Client, cloud: FakeCloud, film: Path) -> None:
    """A 403 (an expired URL) makes the client ask the API for a new URL for that part."""
    cloud.script[3] = [s3_error(403, "AccessDenied")]
    client.upload(film, concurrency=1, progress=False)
    assert [call for call in cloud.sign_calls if call == [3]] == [[3], [3]]


def test_gives_up_after_the_attempts(client: Client, cloud: FakeCloud, film: Path) -> None:
    """A part that keeps failing raises TransferError after `attempts` tries."""
    cloud.script[5] = [httpx.Response(503)] * 10
    with pytest.raises(TransferError, match="part 5: gave up after 4 attempts: HTTP 503"):
        client.upload(film, concurrency=1, progress=False)
    assert len(cloud.script[5]) == 6


def test_changed_bytes_fail_at_once(client: Client, cloud: FakeCloud, film: Path) -> None:
    """S3 refusing a part's checksum is not retried: the file changed under the upload."""
    cloud.script[1] = [s3_error(400, "BadDigest")]
    with pytest.raises(TransferError, match="did the file change"):
        client.upload(film, concurrency=1, progress=False)


def test_interrupted_upload_resumes_with_missing_parts_only(client: Client, cloud: FakeCloud,
                                                            film: Path) -> None:
    """After a failure at part 4, a second call re-sends parts 4-10 only, to the same video."""
    cloud.script[4] = [s3_error(400, "BadRequest")]
    with pytest.raises(TransferError):
        client.upload(film, concurrency=1, progress=False)
    assert sorted(cloud.puts) == [1, 2, 3]
    (record,) = client.resume.directory.glob("*.json")
    cloud.puts.clear()
    video = client.upload(film, concurrency=2, progress=False)
    assert sorted(cloud.puts) == [4, 5, 6, 7, 8, 9, 10]
    assert len(cloud.videos) == 1
    assert cloud.objects[video.id] == film.read_bytes()
    assert not record.exists()


def test_resume_after_a_crash_past_complete_returns_the_video(client: Client, cloud: FakeCloud,
                                                              film: Path) -> None:
    """A record that outlived a completed upload yields that video without sending anything."""
    video = client.upload(film, progress=False)
    client.resume.save(client.resume.new(video.id, client.base_url,
                                         _fingerprint(film), 95, 10, film.name))
    cloud.puts.clear()
    again = client.upload(film, progress=False)
    assert again.id == video.id and cloud.puts == []


def test_a_stale_record_starts_a_new_upload(client: Client, cloud: FakeCloud,
                                            film: Path) -> None:
    """A record for an upload the API no longer knows is dropped and a new video is made."""
    client.resume.save(client.resume.new("01JGONE0000000000000000000", client.base_url,
                                         _fingerprint(film), 95, 10, film.name))
    video = client.upload(film, progress=False)
    assert video.id != "01JGONE0000000000000000000"
    assert sorted(cloud.puts) == list(range(1, 11))


def test_no_resume_when_asked_not_to(client: Client, cloud: FakeCloud, film: Path) -> None:
    """resume=False writes no record, so a failed upload is not picked up again."""
    cloud.script[2] = [s3_error(400, "BadRequest")]
    with pytest.raises(TransferError):
        client.upload(film, resume=False, concurrency=1, progress=False)
    assert not client.resume.directory.exists() or not list(client.resume.directory.iterdir())


def test_file_objects_upload_too(client: Client, cloud: FakeCloud) -> None:
    """A binary file object uploads from its position, named by `filename`."""
    data = bytes(range(256)) * 2
    video = client.upload(io.BytesIO(data), filename="clip.mp4", progress=False)
    assert cloud.objects[video.id] == data
    assert video.filename == "clip.mp4"


def test_a_failing_part_stops_the_other_workers(client: Client, cloud: FakeCloud,
                                                film: Path) -> None:
    """The first fatal failure cancels the rest: not every part is attempted."""
    cloud.script[1] = [s3_error(400, "BadRequest")]
    with pytest.raises(TransferError, match="part 1"):
        client.upload(film, concurrency=1, progress=False)
    assert cloud.puts == []


def _fingerprint(path: Path) -> str:
    from reelhouse.client.sources import FileSource

    source = FileSource(path)
    source.close()
    assert source.fingerprint is not None
    return source.fingerprint
