"""What `reelhouse up` hands each child (the dashboard, a client of the API, gets no secrets)
and how it keeps them running."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from reelhouse.config import load_settings
from reelhouse.errors import StackError
from reelhouse.stack import CRASH_LIMIT, Service, Supervisor, _supervise, app_services


def test_the_dashboard_gets_no_storage_keys_signing_secret_or_database(tmp_path: Path) -> None:
    """The API gets the S3 keys it signs with; the dashboard process never sees them."""
    settings = load_settings(state_dir=tmp_path, s3_access_key_id="AKIATESTKEY",
                             s3_secret_access_key="s" * 40, secret_key="k" * 32,
                             database_url="sqlite:////tmp/x.db")
    services = {service.name: service for service in app_services(settings)}
    assert services["api"].env["REELHOUSE_S3_SECRET_ACCESS_KEY"] == "s" * 40
    dashboard = services["dashboard"].env
    assert not {"s" * 40, "k" * 32, "AKIATESTKEY", "sqlite:////tmp/x.db"} & set(dashboard.values())
    assert dashboard["REELHOUSE_API_PORT"] == str(settings.api_port)


def _dying(name: str) -> Service:
    """A child that exits with 3 at once, as a crashing service would."""
    return Service(name, [sys.executable, "-c", "raise SystemExit(3)"], {}, lambda: True)


def test_a_child_that_dies_is_started_again_then_a_crash_loop_stops_the_stack(
        tmp_path: Path) -> None:
    """kill -9 or a crash: the stack starts the child again (with a line saying so); one that
    keeps dying stops the stack with a message naming it and its log."""
    supervisor = Supervisor(tmp_path / "logs")
    supervisor.launch(_dying("api"))
    said: list[str] = []
    try:
        with pytest.raises(StackError, match=r"api stopped 6 times within 60s .*api\.log"):
            _supervise(supervisor, said.append)
    finally:
        supervisor.stop()
    assert said == ["api exited (3); starting it again"] * CRASH_LIMIT


def test_crashes_long_apart_never_stop_the_stack(tmp_path: Path) -> None:
    """Only crashes within the window count: a child dying once an hour is restarted forever."""
    supervisor = Supervisor(tmp_path / "logs")
    supervisor.launch(_dying("daemon"))
    hours = iter(range(0, 3600 * 20, 3600))
    said: list[str] = []

    def clock() -> float:
        if len(said) == 12:
            raise KeyboardInterrupt  # enough: a user pressing Ctrl-C
        return float(next(hours))

    try:
        with pytest.raises(KeyboardInterrupt):
            _supervise(supervisor, said.append, clock=clock)
    finally:
        supervisor.stop()
    assert len(said) == 12


def test_uvicorn_believes_forwarding_headers_from_the_trusted_proxies_only(tmp_path: Path) -> None:
    """The API's uvicorn trusts X-Forwarded-* from `trusted_proxies`, and from nobody when
    that is empty (its own default would trust loopback whatever the settings say)."""
    from reelhouse.stack import api_service

    argv = api_service(load_settings(state_dir=tmp_path)).argv
    assert argv[argv.index("--forwarded-allow-ips") + 1] == "127.0.0.1,::1"
    argv = api_service(load_settings(state_dir=tmp_path, trusted_proxies=[])).argv
    assert "--no-proxy-headers" in argv and "--forwarded-allow-ips" not in argv


def _bind(argv: list[str], flag: str) -> str:
    return argv[argv.index(flag) + 1]


def test_the_dagster_ui_stays_on_loopback_when_the_api_is_opened_to_the_network(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """REELHOUSE_HOST=0.0.0.0 opens the API and dashboard; Dagster's UI, which has no sign-in,
    still binds 127.0.0.1 (and is printed so) until REELHOUSE_DAGSTER_HOST opens it too."""
    monkeypatch.setenv("REELHOUSE_HOST", "0.0.0.0")
    monkeypatch.setenv("REELHOUSE_PUBLIC_HOST", "media.example")
    settings = load_settings(state_dir=tmp_path)
    services = {service.name: service for service in app_services(settings)}
    assert _bind(services["api"].argv, "--host") == "0.0.0.0"
    assert _bind(services["dashboard"].argv, "--address") == "0.0.0.0"
    assert _bind(services["dagster"].argv, "-h") == "127.0.0.1"
    assert services["dagster"].url == f"http://127.0.0.1:{settings.dagster_port}"
    monkeypatch.setenv("REELHOUSE_DAGSTER_HOST", "0.0.0.0")
    opened = {s.name: s for s in app_services(load_settings(state_dir=tmp_path))}["dagster"]
    assert _bind(opened.argv, "-h") == "0.0.0.0"
    assert opened.url == f"http://media.example:{settings.dagster_port}"


def test_children_stop_when_reelhouse_up_is_killed_outright(tmp_path: Path) -> None:
    """A `reelhouse up` killed with SIGKILL cannot stop its children (each has a process
    group of its own); they get SIGTERM from the kernel instead of holding their ports."""
    import os
    import signal
    import subprocess
    import time

    import psutil

    script = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "from reelhouse.stack import Service, Supervisor\n"
        f"supervisor = Supervisor(Path({str(tmp_path / 'logs')!r}))\n"
        "supervisor.launch(Service('sleeper', ['sleep', '120'], {}, lambda: True))\n"
        "print(supervisor.services[0].process.pid, flush=True)\n"
        "time.sleep(120)\n")
    up = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        child = int(up.stdout.readline())
        os.kill(up.pid, signal.SIGKILL)
        up.wait(10)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            # Gone, or a zombie its new parent has not reaped yet: it holds nothing either way.
            try:
                if psutil.Process(child).status() == psutil.STATUS_ZOMBIE:
                    break
            except psutil.NoSuchProcess:
                break
            time.sleep(0.05)
        else:
            os.kill(child, signal.SIGKILL)
            pytest.fail("the child outlived the supervisor killed with SIGKILL")
    finally:
        up.kill()
