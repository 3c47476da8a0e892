"""Resources: typed fields named as Settings, secrets as EnvVars, settings read when used."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg
import pytest

from assets.resources import (
    ABANDONED_AFTER_S,
    SECRETS,
    MediaResource,
    ReelhouseConfig,
    StorageResource,
)
from pipelines.definitions import resources_for
from reelhouse.config import Settings, load_settings
from reelhouse.errors import ConfigError


def _media(state: Path) -> MediaResource:
    return MediaResource(reelhouse=ReelhouseConfig(state_dir=str(state)))


def test_every_field_is_a_setting_of_the_same_name_with_no_default_of_its_own() -> None:
    """Settings stays the one source of names and defaults: a field is a Settings field,
    unset unless given, and secrets are among the fields."""
    fields = ReelhouseConfig.model_fields
    assert set(fields) <= set(Settings.model_fields)
    assert all(f.default is None for f in fields.values())
    assert set(SECRETS) <= set(fields)


def test_pinned_settings_come_back_whole(tmp_path: Path) -> None:
    """Settings given to the resources (secrets and paths too) are the ones a run gets."""
    settings = load_settings(state_dir=tmp_path, s3_port=23456, s3_bucket="clips",
                             s3_access_key_id="AKID", s3_secret_access_key="shh",
                             database_url="sqlite:////tmp/x.db", storyboard_interval_s=1)
    rebuilt = resources_for(settings)["storage"].settings  # type: ignore[attr-defined]
    assert rebuilt.model_dump() == settings.model_dump()
    assert ReelhouseConfig.pinned(settings).state_dir == str(tmp_path.resolve())


def test_a_setting_the_resources_cannot_carry_is_refused() -> None:
    """Pinning settings the pipeline would silently drop fails instead."""
    with pytest.raises(ValueError, match="cors_origins"):
        ReelhouseConfig.pinned(load_settings(cors_origins=["http://a.example"]))


def test_secrets_are_env_vars_only_where_the_variable_exists(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """In production a set secret shows as its EnvVar (never its value); an unset one is left
    to Settings (the embedded S3's keys file, `.env`), since an EnvVar must exist."""
    for name in SECRETS:
        monkeypatch.delenv("REELHOUSE_" + name.upper(), raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("REELHOUSE_S3_SECRET_ACCESS_KEY", "shh")
    monkeypatch.setenv("DATABASE_URL", "sqlite:////tmp/y.db")
    config = ReelhouseConfig.from_environment()
    assert config.s3_secret_access_key == dg.EnvVar("REELHOUSE_S3_SECRET_ACCESS_KEY")
    assert config.database_url == dg.EnvVar("DATABASE_URL")
    assert config.s3_access_key_id is None and config.secret_key is None


def test_env_var_secrets_are_read_when_a_run_starts(monkeypatch: pytest.MonkeyPatch,
                                                    tmp_path: Path) -> None:
    """A run resolves the EnvVar then, and the storage client is built with its value."""
    monkeypatch.setenv("REELHOUSE_S3_ACCESS_KEY_ID", "AKIDRUN")
    monkeypatch.setenv("REELHOUSE_S3_SECRET_ACCESS_KEY", "run-secret")
    config = ReelhouseConfig(state_dir=str(tmp_path), s3_endpoint_url="http://s3.example",
                             s3_access_key_id=dg.EnvVar("REELHOUSE_S3_ACCESS_KEY_ID"),
                             s3_secret_access_key=dg.EnvVar("REELHOUSE_S3_SECRET_ACCESS_KEY"))
    seen: list[tuple[str, str]] = []

    @dg.asset
    def probe_settings(storage: StorageResource) -> None:
        seen.append(storage.settings.s3_credentials)

    assert dg.materialize([probe_settings], resources={
        "storage": StorageResource(reelhouse=config)}).success
    assert seen == [("AKIDRUN", "run-secret")]


def test_constructing_a_resource_reads_no_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """A bad environment only matters once a run uses the resource, not at import/build."""
    monkeypatch.setenv("REELHOUSE_S3_PORT", "not a port")
    resource = StorageResource(reelhouse=ReelhouseConfig())
    with pytest.raises(ConfigError, match="REELHOUSE_S3_PORT"):
        resource.client()


def test_media_scratch_directory_lives_under_state_and_is_removed(tmp_path: Path) -> None:
    """A run's scratch directory sits under the state dir and is removed at teardown."""
    media = _media(tmp_path)
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
    _media(tmp_path).workdir  # noqa: B018
    assert not old.exists() and recent.exists()
