"""The state dir is owner-only whatever the umask: database, keys, S3 data, Dagster home, logs."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from reelhouse.bootstrap import prepare
from reelhouse.config import load_settings
from reelhouse.db import Database
from reelhouse.ports import free_s3_port
from reelhouse.stack import Supervisor, dagster_home, init_dagster_storage, s3_service
from reelhouse.storage import Storage

pytestmark = pytest.mark.integration


@pytest.fixture
def open_umask() -> Iterator[None]:
    """The most permissive umask a shell or container may hand us."""
    saved = os.umask(0)
    try:
        yield
    finally:
        os.umask(saved)


# SeaweedFS writes each volume's small info file 0644 itself (not through the umask); the
# 0700 directories above it are what keep it, like everything else, from other users.
_SET_BY_SEAWEED = ".vif"


def _readable_by_others(root: Path) -> list[str]:
    """Every path under `root` (and root) that its group or others may read, write or enter."""
    found = []
    for path in [root, *root.rglob("*")]:
        mode = path.lstat().st_mode
        if stat.S_ISLNK(mode) or (stat.S_ISREG(mode) and path.suffix == _SET_BY_SEAWEED):
            continue
        if mode & 0o077:
            found.append(f"{oct(stat.S_IMODE(mode))} {path.relative_to(root.parent)}")
    return found


def test_state_is_owner_only_under_a_permissive_umask(tmp_path: Path, open_umask: None) -> None:
    """With umask 000, SeaweedFS's volumes and filer store, the SQLite database (with its
    journals), the S3 keys, Dagster's home and the logs are all 0600 files in 0700 dirs."""
    state = tmp_path / "state"
    settings = load_settings(state_dir=state, s3_port=free_s3_port(), seed_sample=False,
                             database_url=f"sqlite:///{state / 'reelhouse.db'}")
    supervisor = Supervisor(state / "logs")
    supervisor.start(s3_service(settings), timeout_s=60)
    try:
        storage = Storage(settings)
        assert prepare(settings, storage, Database(settings)) is not None
        storage.put_bytes("media/probe/object", b"x" * 100_000)
        assert storage.get_bytes("media/probe/object") == b"x" * 100_000
        init_dagster_storage(settings, dagster_home(settings))
    finally:
        supervisor.stop()
    assert (state / "reelhouse.db").is_file() and any((state / "s3").rglob("*.dat"))
    assert any((state / "dagster").rglob("*.db"))
    exposed = _readable_by_others(state)
    assert exposed == [], "\n".join(exposed)
