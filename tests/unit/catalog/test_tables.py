"""The commit retry of the catalog tables: a lost race reruns on the newer version, a file
vacuumed under us reruns, any other failure surfaces as a storage error (no storage)."""

from __future__ import annotations

from typing import Any

import pytest
from deltalake.exceptions import CommitFailedError

from reelhouse.catalog import tables
from reelhouse.catalog.errors import CatalogStorageError
from reelhouse.errors import StorageError


@pytest.fixture(autouse=True)
def no_storage(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Each attempt sees a newer version (a reopened table, or the same one brought up to
    date) and no sleep; returns how each attempt got its table."""
    how: list[str] = []
    latest = iter(range(100))

    def opened(_s: object, _t: str) -> object:
        how.append("opened")
        return Versioned(next(latest))

    class Versioned:
        def __init__(self, version: int) -> None:
            self.version = version

        def update_incremental(self) -> None:
            how.append("updated")
            self.version = next(latest)

    monkeypatch.setattr(tables, "ensure_table", opened)
    monkeypatch.setattr(tables.time, "sleep", lambda _s: None)
    return how


def test_a_lost_race_reruns_on_the_newer_version(no_storage: list[str]) -> None:
    """Two lost commit races, then the change lands on the third version it was given."""
    seen: list[int] = []

    def change(table: Any) -> str:
        seen.append(table.version)
        if len(seen) < 3:
            raise CommitFailedError("Transaction failed: version already exists")
        return "landed"

    assert tables.committed(None, "videos", change) == "landed"  # type: ignore[arg-type]
    assert seen == [0, 1, 2]
    # The log is read once; a lost race reads only the commits since.
    assert no_storage == ["opened", "updated", "updated"]


def test_a_vanished_file_reruns_and_other_errors_surface() -> None:
    """A file vacuumed meanwhile is read again; a refused connection is a StorageError at
    once (the API answers 502, not 500)."""
    calls: list[int] = []

    def vacuumed_once(table: Any) -> int:
        version = table.version
        calls.append(version)
        if version == 0:
            raise OSError("Object at location catalog/videos/part-0.parquet not found")
        return version

    assert tables.committed(None, "videos", vacuumed_once) == 1  # type: ignore[arg-type]

    def refused(_version: int) -> None:
        calls.append(-1)
        raise OSError("connection refused")

    with pytest.raises(CatalogStorageError) as caught:
        tables.committed(None, "videos", refused)  # type: ignore[arg-type]
    assert isinstance(caught.value, StorageError) and calls.count(-1) == 1


def test_endless_races_give_up_as_a_storage_error() -> None:
    """A writer that never wins stops after COMMIT_ATTEMPTS rather than spinning forever."""
    def always_lose(_version: int) -> None:
        raise CommitFailedError("Transaction failed: version already exists")

    with pytest.raises(CatalogStorageError):
        tables.committed(None, "videos", always_lose)  # type: ignore[arg-type]
