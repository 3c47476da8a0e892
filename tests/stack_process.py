"""Run `reelhouse up` as a child process the way a user does, for tests that need the stack."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil

from reelhouse.config import Settings, load_settings
from tests.helpers import free_port, free_s3_port

ADMIN_PASSWORD = "admin-pass-for-tests"


@dataclass
class StackProcess:
    """A running `reelhouse up` with its settings and the lines it printed."""

    state_dir: Path
    env: dict[str, str]
    proc: subprocess.Popen[str] | None = None
    lines: list[str] = field(default_factory=list)
    exe: Path = field(default_factory=lambda: Path(sys.executable).parent / "reelhouse")
    cwd: Path | None = None
    args: tuple[str, ...] = ("up",)

    @classmethod
    def on_free_ports(cls, state_dir: Path, **extra: str) -> StackProcess:
        ports = {"REELHOUSE_API_PORT": free_port(), "REELHOUSE_DAGSTER_PORT": free_port(),
                 "REELHOUSE_DASHBOARD_PORT": free_port(), "REELHOUSE_S3_PORT": free_s3_port()}
        env = {**os.environ, **{k: str(v) for k, v in ports.items()},
               "REELHOUSE_STATE_DIR": str(state_dir),
               "REELHOUSE_ADMIN_PASSWORD": ADMIN_PASSWORD, **extra}
        return cls(state_dir, env)

    @property
    def settings(self) -> Settings:
        names = {k.removeprefix("REELHOUSE_").lower(): v for k, v in self.env.items()
                 if k.startswith("REELHOUSE_")}
        return load_settings(**names)

    def start(self, timeout_s: float = 180) -> None:
        """Start and read the output until the stack says it is up."""
        self.proc = subprocess.Popen([str(self.exe), *self.args], env=self.env, cwd=self.cwd,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.lines = []
        deadline = time.monotonic() + timeout_s
        assert self.proc.stdout is not None
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            self.lines.append(line.rstrip())
            if "Press Ctrl-C" in line:
                return
        self.proc.kill()
        raise AssertionError("reelhouse up did not come up:\n" + "\n".join(self.lines))

    def printed_urls(self) -> list[str]:
        """The URLs `reelhouse up` printed, after checking each one answers."""
        urls = [word for line in self.lines for word in line.split() if word.startswith("http")]
        assert len(urls) == 4, self.lines
        for url in urls:
            assert httpx.get(url, timeout=10).status_code in (200, 403), url
        return urls

    def stop(self) -> list[psutil.Process]:
        """Ctrl-C the stack; return every process of its tree still alive afterwards."""
        assert self.proc is not None
        tree = psutil.Process(self.proc.pid).children(recursive=True)
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(60)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
        time.sleep(0.5)
        return [p for p in tree if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
