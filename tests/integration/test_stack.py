"""`reelhouse up` as a user runs it: URLs answer, Ctrl-C leaves nothing, restart keeps data."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from reelhouse import keys
from reelhouse.db import Database, User, Video
from reelhouse.storage import Storage
from tests.stack_process import StackProcess

pytestmark = pytest.mark.integration


def test_up_serves_every_url_stops_cleanly_and_keeps_data(tmp_path: Path) -> None:
    """Every printed URL answers, Ctrl-C ends all children, a restart finds users and sample."""
    stack = StackProcess.on_free_ports(tmp_path / "state")
    stack.start()
    try:
        stack.printed_urls()
        assert any("API token (shown once): rh_" in line for line in stack.lines)
    finally:
        leftovers = stack.stop()
    assert stack.proc is not None and stack.proc.returncode == 0
    assert leftovers == []

    settings = stack.settings
    with Database(settings).session() as session:
        assert [u.username for u in session.scalars(select(User))] == ["admin"]
        sample = session.scalars(select(Video)).one()

    stack.start()
    try:
        assert not any("First start" in line for line in stack.lines)
        assert Storage(settings).exists(keys.source_key(sample.id))
        assert httpx.get(f"{settings.api_url}/api/health").status_code == 200
    finally:
        leftovers = stack.stop()
    assert leftovers == []


def _up(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).parent / "reelhouse"
    return subprocess.run([str(exe), "up"], env=env, capture_output=True, text=True, timeout=60)


def test_taken_port_gives_one_clear_line(tmp_path: Path) -> None:
    """A port already in use stops `reelhouse up` with one line naming it, not a traceback."""
    stack = StackProcess.on_free_ports(tmp_path / "state")
    port = stack.env["REELHOUSE_API_PORT"]
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", int(port)))
        holder.listen()
        done = _up(stack.env)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"error: api: port {port} (http) is already in use; "
        "stop what holds it or choose another port in settings"]


def test_wrong_setting_gives_one_clear_line(tmp_path: Path) -> None:
    """A malformed setting is reported in one line naming it."""
    stack = StackProcess.on_free_ports(tmp_path / "state", REELHOUSE_API_PORT="eighty")
    done = _up(stack.env)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: REELHOUSE_API_PORT: "), lines
