"""`reelhouse up` as a user runs it: URLs answer, Ctrl-C leaves nothing, restart keeps data."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil
import pytest
from sqlalchemy import select

from reelhouse import keys
from reelhouse.config import load_settings
from reelhouse.db import Database, User, Video
from reelhouse.storage import Storage
from tests.helpers import free_port, free_s3_port

pytestmark = pytest.mark.integration


def _start(env: dict[str, str]) -> tuple[subprocess.Popen[str], list[str]]:
    """Run `reelhouse up` and read its output until it says it is up."""
    exe = Path(sys.executable).parent / "reelhouse"
    proc = subprocess.Popen([str(exe), "up"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    deadline = time.monotonic() + 180
    assert proc.stdout is not None
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line.rstrip())
        if "Press Ctrl-C" in line:
            return proc, lines
    proc.kill()
    raise AssertionError("reelhouse up did not come up:\n" + "\n".join(lines))


def _stop(proc: subprocess.Popen[str]) -> list[psutil.Process]:
    """Ctrl-C the stack; return every process of its tree still alive afterwards."""
    tree = psutil.Process(proc.pid).children(recursive=True)
    assert tree, "the stack has no child processes"
    proc.send_signal(signal.SIGINT)
    proc.wait(60)
    time.sleep(0.5)
    return [p for p in tree if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]


def test_up_serves_every_url_stops_cleanly_and_keeps_data(tmp_path: Path) -> None:
    """Every printed URL answers, Ctrl-C ends all children, a restart finds users and sample."""
    ports = {"REELHOUSE_API_PORT": free_port(), "REELHOUSE_DAGSTER_PORT": free_port(),
             "REELHOUSE_DASHBOARD_PORT": free_port(), "REELHOUSE_S3_PORT": free_s3_port()}
    env = {**os.environ, **{k: str(v) for k, v in ports.items()},
           "REELHOUSE_STATE_DIR": str(tmp_path / "state"),
           "REELHOUSE_ADMIN_PASSWORD": "first-start-pw"}
    proc, lines = _start(env)
    try:
        printed = [word for line in lines for word in line.split() if word.startswith("http")]
        assert len(printed) == 4, lines
        for url in printed:
            assert httpx.get(url, timeout=10).status_code in (200, 403), url
        assert any("API token (shown once): rh_" in line for line in lines)
    finally:
        leftovers = _stop(proc)
    assert proc.returncode == 0
    assert leftovers == []

    settings = load_settings(state_dir=tmp_path / "state",
                             s3_port=int(ports["REELHOUSE_S3_PORT"]))
    with Database(settings).session() as session:
        assert [u.username for u in session.scalars(select(User))] == ["admin"]
        sample = session.scalars(select(Video)).one()

    proc, lines = _start(env)
    try:
        assert not any("First start" in line for line in lines)
        assert Storage(settings).exists(keys.source_key(sample.id))
        health = httpx.get(f"http://127.0.0.1:{ports['REELHOUSE_API_PORT']}/api/health")
        assert health.status_code == 200
    finally:
        leftovers = _stop(proc)
    assert leftovers == []
