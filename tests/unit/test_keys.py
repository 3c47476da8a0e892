"""Id and name patterns: valid only when the whole string matches (issue 11, finding 11)."""

from __future__ import annotations

import pytest

from reelhouse import keys, postgres

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
