"""Typed resources over Reelhouse's settings, storage, API database and media tools.

Settings are read when a run (or a sensor tick) starts, never at import, so loading the code
location needs no environment. `overrides` exists for tests and tools that build settings
themselves; in production every resource is constructed with no arguments.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import get_origin

import dagster as dg
from pydantic import PrivateAttr, SecretStr

from reelhouse.config import Settings, load_settings
from reelhouse.media.probe import Caps
from reelhouse.storage import Storage

# Longer than any transcode the duration cap allows, so only dead runs' files qualify.
ABANDONED_AFTER_S = 2 * 24 * 3600


def overrides_for(settings: Settings) -> dict[str, str]:
    """The fields `settings` sets, as strings a resource can carry in its config."""
    out = {}
    for name in sorted(settings.model_fields_set):
        value = getattr(settings, name)
        if value is None:
            continue
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        elif isinstance(value, list):
            value = json.dumps(value)
        elif isinstance(value, Path):
            value = value.resolve()
        out[name] = str(value)
    return out


def _decode(overrides: dict[str, str]) -> dict[str, object]:
    decoded: dict[str, object] = {}
    for name, value in overrides.items():
        field = Settings.model_fields.get(name)
        is_list = field is not None and get_origin(field.annotation) is list
        decoded[name] = json.loads(value) if is_list else value
    return decoded


class SettingsResource(dg.ConfigurableResource):
    """Base of our resources: `Settings` from the environment plus `overrides`."""

    overrides: dict[str, str] = {}
    _settings: Settings | None = PrivateAttr(default=None)

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings(**_decode(self.overrides))
        return self._settings


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
    """ffmpeg and the media limits, plus a scratch directory that lives as long as the run.

    Steps of one run (the in-process executor) share the scratch directory, so the source is
    downloaded once; a step that finds nothing there fetches what it needs from storage.
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
            root = self.settings.state_dir.resolve() / "work"
            root.mkdir(parents=True, exist_ok=True)
            _remove_abandoned(root)
            stamp = datetime.now().strftime("%Y%m%d-%H%M%S-")
            self._workdir = Path(tempfile.mkdtemp(prefix=stamp, dir=root))
        return self._workdir

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._workdir = None
