"""Owner-only files: the state dir and what it holds (password hashes, S3 keys, media, logs).

Modes are set explicitly rather than left to the umask, which a shell or container may have
opened (umask 000 makes everything world-readable); children get `PRIVATE_UMASK`.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

# What the stack's children create (SeaweedFS volumes, SQLite journals, Dagster's runs)
# is then 0600 / 0700 whatever the umask of the shell that started `reelhouse up`.
PRIVATE_UMASK = 0o077


def private_dir(path: Path) -> Path:
    """`path` as a directory only its owner may enter: made, or narrowed if it exists."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    path.chmod(0o700)
    return path


def private_file(path: Path) -> Path:
    """`path` as a file only its owner may read or write: made empty if missing, else narrowed.

    An existing file is never opened: closing any descriptor of a file drops every POSIX lock
    this process holds on it, so opening a SQLite database another connection here has open
    would silently release that connection's locks, and writers elsewhere would then corrupt
    the file ("database disk image is malformed")."""
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    path.chmod(0o600)
    return path


def open_private(path: str, flags: int) -> int:
    """An `opener` for `open()` that creates files 0600."""
    return os.open(path, flags, 0o600)
