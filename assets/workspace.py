"""Local files of one video during a run: the source copy and the HLS tree.

ffmpeg only ever reads local copies (never a URL). Steps of the same run find what earlier
steps left here; a step run on its own fetches what it needs from storage.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from reelhouse import keys
from reelhouse.media.hls import AUDIO_NAME, MASTER_NAME
from reelhouse.storage import Storage


class Workspace:
    """Scratch files of one video under `root` (the run's scratch directory)."""

    def __init__(self, storage: Storage, root: Path, video_id: str) -> None:
        self.storage = storage
        self.video_id = keys.check_video_id(video_id)
        self.dir = root / video_id
        self.dir.mkdir(parents=True, exist_ok=True)

    def source(self, etag: str | None = None) -> Path:
        """The upload, downloaded once per run (again if its ETag changed)."""
        path, marker = self.dir / "source", self.dir / "source.etag"
        if path.is_file() and marker.is_file() and marker.read_text() in ("", etag or ""):
            return path
        partial = self.dir / ".source.partial"
        self.storage.download_file(keys.source_key(self.video_id), partial)
        os.replace(partial, path)
        marker.write_text(etag or "")
        return path

    @property
    def hls_dir(self) -> Path:
        return self.dir / "hls"

    def fresh_hls_dir(self) -> Path:
        """An empty place for a new transcode (the muxer refuses a non-empty one)."""
        shutil.rmtree(self.hls_dir, ignore_errors=True)
        return self.hls_dir

    def rendition_dir(self, name: str, version: str) -> Path:
        """A rendition of `version`: its playlist, init and segments from this run's
        transcode if it wrote one (`version` is then this run's), else from storage."""
        local = self.hls_dir / name
        if (self.hls_dir / MASTER_NAME).is_file() and (local / keys.RUNG_PLAYLIST).is_file():
            return local
        fetched = self.dir / "fetched" / version / name
        if not (fetched / keys.RUNG_PLAYLIST).is_file():
            prefix = f"{keys.hls_prefix(self.video_id, version)}{name}/"
            shutil.rmtree(fetched, ignore_errors=True)
            fetched.mkdir(parents=True)
            names = [o["Key"].removeprefix(prefix) for o in self.storage.list_keys(prefix)]
            # The playlist last: its presence is what marks the fetch complete.
            for name_ in sorted((n for n in names if "/" not in n),
                                key=lambda n: n == keys.RUNG_PLAYLIST):
                self.storage.download_file(prefix + name_, fetched / name_)
        return fetched

    def audio_dir(self, has_audio: bool, version: str) -> Path | None:
        return self.rendition_dir(AUDIO_NAME, version) if has_audio else None
