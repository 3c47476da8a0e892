"""`private_file` on a SQLite database this process has open keeps that connection's locks."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

from reelhouse.private import private_file

# Another process tries to take the write lock and says whether it could.
TRY_WRITE = """
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], timeout=0, isolation_level=None)
try:
    db.execute("BEGIN IMMEDIATE")
except sqlite3.OperationalError:
    print("locked")
else:
    print("took it")
"""


def _other_process_can_write(path: Path) -> bool:
    out = subprocess.run([sys.executable, "-c", TRY_WRITE, str(path)], capture_output=True,
                         text=True, check=True, timeout=30).stdout.strip()
    return out == "took it"


def test_an_open_databases_write_lock_survives(tmp_path: Path) -> None:
    """Closing a descriptor of a file drops all of a process's POSIX locks on it: narrowing
    the mode of a database another connection here is writing must not open the file."""
    path = tmp_path / "api.db"
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("CREATE TABLE t (x)")
    db.execute("BEGIN IMMEDIATE")  # the write lock, held on the file
    db.execute("INSERT INTO t VALUES (1)")
    assert not _other_process_can_write(path)
    path.chmod(0o644)
    private_file(path)
    assert not _other_process_can_write(path)  # still ours
    assert path.stat().st_mode & 0o777 == 0o600
    db.execute("COMMIT")
    assert _other_process_can_write(path)


def test_a_missing_file_is_made_owner_only(tmp_path: Path) -> None:
    path = private_file(tmp_path / "new.db")
    assert path.read_bytes() == b"" and path.stat().st_mode & 0o777 == 0o600
