"""Typed resources over Reelhouse's settings, storage and media tools.

`ReelhouseConfig` shows in the Dagster UI the settings the pipeline runs with, one typed
field per `reelhouse.config.Settings` field of the same name; a field left unset takes what
Settings reads from the environment (and `.env`) when a run starts, never at import, so
loading the code location needs no environment. Secrets are `dg.EnvVar`s (see `secret`).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import dagster as dg
from pydantic import Field, PrivateAttr, SecretStr

from reelhouse.config import ENV_PREFIX, Settings, load_settings
from reelhouse.media.probe import Caps
from reelhouse.storage import Storage

# Longer than any transcode the duration cap allows, so only dead runs' files qualify.
ABANDONED_AFTER_S = 2 * 24 * 3600
SECRETS = ("s3_access_key_id", "s3_secret_access_key", "database_url", "secret_key")


class ReelhouseConfig(dg.ConfigurableResource):
    """The settings the pipeline uses; unset (None) means Settings' value from the environment."""

    state_dir: str | None = Field(None, description="Local state: scratch files, embedded S3 keys")
    scratch_dir: str | None = Field(None, description="Scratch files of this host's steps; "
                                    "unset: work/ under state_dir")
    public_host: str | None = Field(None, description="Host in links (play, poster)")
    api_port: int | None = Field(None, description="Signing API port, for poster links")
    dashboard_port: int | None = Field(None, description="Dashboard port, for play links")
    s3_port: int | None = Field(None, description="Embedded S3 port (no endpoint set)")
    s3_endpoint_url: str | None = Field(None, description="S3 endpoint; unset: embedded S3")
    s3_public_endpoint_url: str | None = Field(None, description="S3 endpoint browsers reach")
    s3_region: str | None = None
    s3_bucket: str | None = None
    s3_addressing_style: str | None = Field(None, description="path or virtual")
    s3_access_key_id: str | None = Field(None, description="Secret: an EnvVar")
    s3_secret_access_key: str | None = Field(None, description="Secret: an EnvVar")
    database_url: str | None = Field(None, description="API database (secret: an EnvVar); "
                                     "unset: SQLite under state_dir")
    secret_key: str | None = Field(None, description="Secret: an EnvVar")
    ffmpeg_binary: str | None = Field(None, description="unset: the bundled ffmpeg")
    max_duration_s: float | None = None
    max_pixels: int | None = None
    max_frame_rate: float | None = None
    storyboard_interval_s: float | None = None
    upload_expiry_s: int | None = Field(None, description="Sweeper: an upload untouched this "
                                        "long is aborted")
    sweep_grace_s: int | None = Field(None, description="Sweeper: objects of no video are "
                                      "removed once this old")
    direct_launch: bool | None = Field(None, description="The API starts runs on upload "
                                       "complete; the uploads sensor is the backstop")
    launch_grace_s: float | None = Field(None, description="Uploads sensor: an upload is "
                                         "left to the API's launch this long")
    chunk_s: float | None = Field(None, description="Ladder chunks last about this long "
                                  "(whole segments), each a step of its own")
    head_chunk_s: float | None = Field(None, description="The first chunk: short, so a "
                                       "video is playable seconds after its run starts")

    _settings: Settings | None = PrivateAttr(default=None)

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            given = {name: value for name in type(self).model_fields
                     if (value := getattr(self, name)) is not None}
            self._settings = load_settings(**given)
        return self._settings

    @classmethod
    def carried(cls) -> tuple[str, ...]:
        """The names of the Settings fields this resource carries."""
        return tuple(cls.model_fields)

    @classmethod
    def pinned(cls, settings: Settings) -> ReelhouseConfig:
        """A resource that rebuilds exactly `settings` (for tests and tools)."""
        lost = sorted(set(settings.model_fields_set) - set(cls.carried()))
        if lost:
            raise ValueError(f"the pipeline's resources carry no {', '.join(lost)}")
        values: dict[str, Any] = {}
        for name in settings.model_fields_set:
            value = getattr(settings, name)
            if isinstance(value, SecretStr):
                value = value.get_secret_value()
            elif isinstance(value, Path):
                value = str(value.resolve())
            if value is not None:
                values[name] = value
        return cls(**values)

    @classmethod
    def from_environment(cls) -> ReelhouseConfig:
        """Production: every field from Settings at run start, secrets shown as EnvVars."""
        secrets: dict[str, Any] = {name: env for name in SECRETS
                                   if (env := secret(name)) is not None}
        return cls(**secrets)


def secret(name: str) -> dg.EnvVar | None:
    """`dg.EnvVar` of a secret setting when its variable exists where the code loads.

    Only presence is looked at, never the value (Dagster reads that when a run starts).
    Otherwise Settings reads it at run start, from `.env` or, for the embedded S3, the
    keys file under the state dir: places an EnvVar cannot name.
    """
    names = [ENV_PREFIX + name.upper()] + (["DATABASE_URL"] if name == "database_url" else [])
    present = [n for n in names if n in os.environ]
    return dg.EnvVar(present[0]) if present else None


class SettingsResource(dg.ConfigurableResource):
    """Base of our resources: the settings they share (`ReelhouseConfig`, a nested resource)."""

    reelhouse: ReelhouseConfig

    @property
    def settings(self) -> Settings:
        return self.reelhouse.settings


class StorageResource(SettingsResource):
    """The bucket (`reelhouse.storage.Storage`), one client per run."""

    _storage: Storage | None = PrivateAttr(default=None)

    def client(self) -> Storage:
        if self._storage is None:
            self._storage = Storage(self.settings)
        return self._storage


def _remove_abandoned(root: Path) -> None:
    """Scratch directories of runs that were killed before their teardown (days old)."""
    cutoff = time.time() - ABANDONED_AFTER_S
    for path in root.iterdir():
        if path.is_dir() and path.stat().st_mtime < cutoff:
            shutil.rmtree(path, ignore_errors=True)


class MediaResource(SettingsResource):
    """ffmpeg and the media limits, plus a scratch directory that lives as long as the resource.

    The resource lives for a run in one process (the in-process executor: its steps share the
    directory, so the source is downloaded once) or for one step (a Celery worker: under that
    worker's own `scratch_dir`). Scratch is only a cache: a step that finds nothing there
    fetches what it needs from storage, so no step relies on another's local files.
    """

    _workdir: Path | None = PrivateAttr(default=None)

    @property
    def ffmpeg(self) -> str | None:
        return self.settings.ffmpeg_binary

    @property
    def caps(self) -> Caps:
        return Caps.from_settings(self.settings)

    @property
    def storyboard_interval_s(self) -> float:
        return self.settings.storyboard_interval_s

    @property
    def workdir(self) -> Path:
        if self._workdir is None:
            root = self.settings.scratch_root
            root.mkdir(parents=True, exist_ok=True)
            _remove_abandoned(root)
            stamp = datetime.now().strftime("%Y%m%d-%H%M%S-")
            self._workdir = Path(tempfile.mkdtemp(prefix=stamp, dir=root))
        return self._workdir

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._workdir = None
