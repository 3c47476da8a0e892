"""Resume records: which video an interrupted upload of this file to this API was for.

A record is a small JSON file named by a hash of the API URL and the file's fingerprint
(path, size, mtime), so a rerun of the same upload finds it and an edited file does not.
It holds no secrets: resuming still needs a token the API accepts for that video.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path


def default_dir() -> Path:
    """`$XDG_CACHE_HOME/reelhouse/uploads`, else `~/.cache/reelhouse/uploads`."""
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(cache) / "reelhouse" / "uploads"


@dataclass(frozen=True)
class ResumeRecord:
    """An upload in progress: its video id and how the API cut the file into parts."""

    video_id: str
    api_url: str
    fingerprint: str
    size: int
    part_size: int
    filename: str
    started_at: float


class ResumeStore:
    """Resume records in one directory; unreadable records count as absent."""

    def __init__(self, directory: str | os.PathLike[str] | None = None) -> None:
        self.directory = Path(directory) if directory is not None else default_dir()

    @staticmethod
    def key(api_url: str, fingerprint: str) -> str:
        return hashlib.sha256(f"{api_url.rstrip('/')}\0{fingerprint}".encode()).hexdigest()[:32]

    def path(self, api_url: str, fingerprint: str) -> Path:
        return self.directory / f"{self.key(api_url, fingerprint)}.json"

    def load(self, api_url: str, fingerprint: str) -> ResumeRecord | None:
        """The record for this file and API, if one was saved and still describes them."""
        path = self.path(api_url, fingerprint)
        try:
            record = ResumeRecord(**json.loads(path.read_text()))
        except (OSError, ValueError, TypeError):
            return None
        if record.fingerprint != fingerprint or record.api_url != api_url.rstrip("/"):
            return None
        return record

    def save(self, record: ResumeRecord) -> Path:
        """Write the record atomically (write a temporary file, then rename it)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.path(record.api_url, record.fingerprint)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(asdict(record)))
        os.replace(tmp, path)
        return path

    def delete(self, api_url: str, fingerprint: str) -> None:
        self.path(api_url, fingerprint).unlink(missing_ok=True)

    def new(self, video_id: str, api_url: str, fingerprint: str, size: int, part_size: int,
            filename: str) -> ResumeRecord:
        return ResumeRecord(video_id, api_url.rstrip("/"), fingerprint, size, part_size,
                            filename, time.time())
