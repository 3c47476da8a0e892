"""Resources: settings are read when used, and tests can pin them to a Settings object."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pipelines.definitions import resources_for
from pipelines.resources import (
    ABANDONED_AFTER_S,
    MediaResource,
    StorageResource,
    overrides_for,
)
from reelhouse.config import load_settings
from reelhouse.errors import ConfigError


def test_overrides_rebuild_the_same_settings(tmp_path: Path) -> None:
    """A Settings object survives the trip through string config, lists included."""
    settings = load_settings(state_dir=tmp_path, s3_port=23456, transcode_concurrency=2,
                             cors_origins=["http://a.example"], seed_sample=False)
    rebuilt = resources_for(settings)["storage"].settings
    assert rebuilt.model_dump() == settings.model_dump()
    assert overrides_for(settings)["state_dir"] == str(tmp_path.resolve())


def test_constructing_a_resource_reads_no_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """A bad environment only matters once a run uses the resource, not at import/build."""
    monkeypatch.setenv("REELHOUSE_S3_PORT", "not a port")
    resource = StorageResource()
    with pytest.raises(ConfigError, match="REELHOUSE_S3_PORT"):
        resource.client()


def test_media_scratch_directory_lives_under_state_and_is_removed(tmp_path: Path) -> None:
    """A run's scratch directory sits under the state dir and is removed at teardown."""
    media = MediaResource(overrides={"state_dir": str(tmp_path)})
    workdir = media.workdir
    assert workdir.is_dir() and workdir.parent == tmp_path.resolve() / "work"
    media.teardown_after_execution(None)  # type: ignore[arg-type]
    assert not workdir.exists()


def test_scratch_left_by_a_killed_run_is_removed_days_later(tmp_path: Path) -> None:
    """A run killed before its teardown leaves files; a later run removes them once stale."""
    root = tmp_path / "work"
    old, recent = root / "old-run", root / "recent-run"
    old.mkdir(parents=True)
    recent.mkdir()
    long_ago = old.stat().st_mtime - ABANDONED_AFTER_S - 60
    os.utime(old, (long_ago, long_ago))
    MediaResource(overrides={"state_dir": str(tmp_path)}).workdir  # noqa: B018
    assert not old.exists() and recent.exists()
