"""Object keys: pure functions of the video id and the media version, never of user text;
id and name patterns valid only when the whole string matches (issue 11, finding 11)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from reelhouse import keys, postgres

VIDEO = "01JABCDEFGHJKMNPQRSTVWXYZ0"
VERSION = "01JD0000000000000000000000"


def test_every_product_lies_under_its_version() -> None:
    """HLS, thumbnails and the MP4 of one processing share one version prefix."""
    prefix = f"media/{VIDEO}/{VERSION}/"
    assert keys.version_prefix(VIDEO, VERSION) == prefix
    assert keys.master_key(VIDEO, VERSION) == prefix + "hls/master.m3u8"
    assert keys.poster_key(VIDEO, VERSION) == prefix + "thumbs/poster.jpg"
    assert keys.storyboard_vtt_key(VIDEO, VERSION) == prefix + "thumbs/storyboard.vtt"
    assert keys.progressive_key(VIDEO, VERSION) == prefix + "download.mp4"
    assert keys.facts_prefix(VIDEO) == f"media/{VIDEO}/facts/"


@pytest.mark.parametrize("version", ["", "latest", "../x", VERSION.lower(), VERSION + "0",
                                     "01JD000000000000000000000/"])
def test_a_version_that_is_not_a_ulid_is_refused(version: str) -> None:
    """No key can be built from a version that is not a ULID (no `..`, no user text)."""
    with pytest.raises(ValueError, match="media version"):
        keys.master_key(VIDEO, version)


def test_a_run_names_one_version_and_another_run_another() -> None:
    """Every step of a run (any host, any retry) derives the same version; a second run
    created at the same moment gets a different one; the version carries the run's time."""
    created = datetime(2026, 12, 2, 1, 2, 3, 456000, tzinfo=UTC)
    first = keys.run_version("5b1c0d2e-aaaa-4bbb-8ccc-123456789abc", created)
    assert first == keys.run_version("5b1c0d2e-aaaa-4bbb-8ccc-123456789abc", created)
    assert keys.check_version(first) == first
    assert first != keys.run_version("5b1c0d2e-aaaa-4bbb-8ccc-123456789abd", created)
    assert keys.version_time(first) == created
    later = keys.run_version("0", datetime(2026, 12, 2, 1, 2, 4, tzinfo=UTC))
    assert later > first  # versions sort by the time of their run


def test_the_version_of_a_key() -> None:
    """A key names its version; the upload's facts and other videos' keys name none."""
    assert keys.version_of(VIDEO, keys.poster_key(VIDEO, VERSION)) == VERSION
    assert keys.version_of(VIDEO, keys.facts_prefix(VIDEO) + "probe.json") is None
    assert keys.version_of(VIDEO, f"media/01JABCDEFGHJKMNPQRSTVWXYZ1/{VERSION}/x") is None


ULID = "01ARZ3NDEKTSV4RRFFQ69G5FAV"


def test_a_video_id_with_a_trailing_newline_is_refused() -> None:
    """`^...$` with `re.match` lets "ULID\\n" through; no key may ever be built from it."""
    assert keys.check_video_id(ULID) == ULID
    for bad in (ULID + "\n", ULID + "\r\n", "\n" + ULID, ULID[:-1], ULID + "0"):
        with pytest.raises(ValueError, match="not a ULID"):
            keys.check_video_id(bad)
    with pytest.raises(ValueError):
        keys.source_key(ULID + "\n")


def test_database_names_must_match_whole() -> None:
    """A database name with a trailing newline never reaches a CREATE DATABASE statement."""
    assert postgres._checked("dagster") == "dagster"
    with pytest.raises(ValueError, match="database name"):
        postgres._checked("dagster\n")
