"""The widgets in a real JupyterLab 4 and a real Notebook 7, with the API on another origin
that nothing configured: upload a generated clip, watch it reach ready in the Browser, play it
and switch rungs, play it in a Player, and save the notebook with its widget state.

Each front end is a jupyter-server this test starts on a free port, with no token, a temp
root and temp Jupyter dirs; its kernel finds the stack and the token in its environment, as
a user's does with `.env`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import nbformat
import pytest

from tests.e2e.conftest import screenshot
from tests.e2e.test_dashboard_support import READY_TIMEOUT_S
from tests.helpers import free_port
from tests.stack_process import StackProcess

pytestmark = pytest.mark.e2e
pytest_plugins = ["tests.e2e.test_dashboard_support"]

NOTEBOOK = "widgets.ipynb"
STATE_MIME = "application/vnd.jupyter.widget-state+json"
CELLS = [
    "from reelhouse.widgets import Browser, Player, Uploader\nup = Uploader(); up",
    "b = Browser(muted=True); b",
    "p = Player(up.done[0], muted=True, autoplay=True); p",
]
# Where each front end opens a notebook, and how its module is run.
FRONT_ENDS = {"jupyterlab": "/lab/tree/", "notebook": "/notebooks/"}
Page = Any


@dataclass
class Jupyter:
    """A running jupyter-server front end: the notebook's URL, its server and its file."""

    url: str
    server: str
    notebook: Path
    proc: subprocess.Popen[bytes]

    def wait_kernel_idle(self, timeout_s: float = 120) -> None:
        """Until the page's kernel is connected and idle (a cell run earlier is dropped)."""
        deadline = time.monotonic() + timeout_s
        while True:
            kernels = httpx.get(f"{self.server}/api/kernels", timeout=10).json()
            if any(k["execution_state"] == "idle" and k["connections"] for k in kernels):
                return
            assert time.monotonic() < deadline, f"no idle kernel: {kernels}"
            time.sleep(0.5)


def kernel_env(stack: StackProcess, token: str, home: Path) -> dict[str, str]:
    """Our environment with the stack's REELHOUSE_* settings and the token, and Jupyter's
    config, data, runtime and settings dirs in `home` (saving widget state switched on)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("REELHOUSE_", "JUPYTER"))}
    env.update({k: v for k, v in stack.env.items() if k.startswith("REELHOUSE_")})
    env["REELHOUSE_TOKEN"] = token
    settings = home / "settings"
    manager = settings / "@jupyter-widgets" / "jupyterlab-manager"
    manager.mkdir(parents=True)
    (manager / "plugin.jupyterlab-settings").write_text(json.dumps({"saveState": True}))
    for name, sub in (("JUPYTER_CONFIG_DIR", "config"), ("JUPYTER_DATA_DIR", "data"),
                      ("JUPYTER_RUNTIME_DIR", "runtime"), ("JUPYTERLAB_WORKSPACES_DIR", "ws")):
        env[name] = str(home / sub)
    env["JUPYTERLAB_SETTINGS_DIR"] = str(settings)
    return env


@pytest.fixture(params=list(FRONT_ENDS))
def jupyter(request: pytest.FixtureRequest, live_stack: StackProcess, admin_token: str,
            tmp_path: Path) -> Iterator[Jupyter]:
    """JupyterLab or Notebook 7 serving a notebook with the widget cells, on a free port."""
    root, home = tmp_path / "root", tmp_path / "home"
    root.mkdir()
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in CELLS])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nbformat.write(nb, root / NOTEBOOK)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    assert url not in live_stack.settings.allowed_origins, "the API must not allow Jupyter"
    proc = subprocess.Popen(
        [sys.executable, "-m", request.param, "--no-browser", "--allow-root",
         "--ServerApp.ip=127.0.0.1",
         f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
         "--IdentityProvider.token=", "--ServerApp.password=",
         "--ServerApp.disable_check_xsrf=True", f"--ServerApp.root_dir={root}"],
        env=kernel_env(live_stack, admin_token, home), stdout=subprocess.DEVNULL,
        stderr=(tmp_path / "jupyter.log").open("wb"))
    try:
        deadline = time.monotonic() + 90
        while True:
            assert proc.poll() is None, (tmp_path / "jupyter.log").read_text()[-3000:]
            try:
                if httpx.get(f"{url}/api/status", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "jupyter-server did not start"
            time.sleep(0.5)
        yield Jupyter(url + FRONT_ENDS[request.param] + NOTEBOOK, url, root / NOTEBOOK, proc)
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()


def run_cell(page: Page, index: int) -> Any:
    """Run the notebook's cell `index` (click into it, Shift+Enter); returns its locator."""
    cell = page.locator(".jp-Notebook .jp-CodeCell").nth(index)
    cell.locator(".cm-content").click()
    page.keyboard.press("Shift+Enter")
    return cell


def playing(cell: Any, after: float = 0.3, timeout_s: float = 60) -> None:
    cell.locator(".rh-player-video").evaluate(
        "(v, t) => new Promise((ok) => { const check = () => v.currentTime > t ? ok()"
        " : setTimeout(check, 100); check(); })", after, timeout=timeout_s * 1000)


def switch_to_lowest_rung(cell: Any) -> None:
    """Pick the smallest rung in the player's quality menu: hls.js switches to it (the rung
    shown is the one it reports playing) and playback goes on."""
    video = cell.locator(".rh-player-video")
    video.evaluate("(v) => { v.loop = true; }")  # a 4 s clip: keep segments coming
    quality = cell.locator(".rh-player-quality")
    cell.page.wait_for_function("(q) => q.options.length >= 3", arg=quality.element_handle(),
                                timeout=30_000)
    lowest = quality.locator("option").last  # the menu lists rungs from the tallest down
    rung = (lowest.text_content() or "").split(" ")[0]
    quality.select_option(lowest.get_attribute("value"))
    cell.page.wait_for_function("([el, r]) => el.textContent === r",
                                arg=[cell.locator(".rh-player-rung").element_handle(), rung],
                                timeout=30_000)
    at = float(video.evaluate("(v) => v.currentTime"))
    cell.page.wait_for_function("([v, t]) => v.currentTime !== t",
                                arg=[video.element_handle(), at], timeout=10_000)


def test_widgets_in_a_real_front_end(jupyter: Jupyter, page: Page, live_stack: StackProcess,
                                     admin_token: str, clips: Callable[..., Path]) -> None:
    """Upload from the Uploader, watch the clip reach ready in the Browser, play it there and
    switch rungs, play it in a Player; the page never calls the API itself (only its signed
    playlist paths), and the notebook saved with widget state holds no token."""
    api_calls: list[str] = []
    page.on("request", lambda r: r.url.startswith(live_stack.settings.api_url)
            and api_calls.append(r.url))
    clip = clips("notebook-clip.mp4", 4)
    page.goto(jupyter.url)
    page.locator(".jp-Notebook .jp-CodeCell .cm-content").first.wait_for(timeout=90_000)
    jupyter.wait_kernel_idle()
    # Notebook 7.6 itself throws one TypeError ("reading 'schema'") while it loads, before
    # its kernel connects (with or without our widgets); count errors from here on.
    page.errors.clear()

    uploader = run_cell(page, 0)
    uploader.locator(".rh-drop").wait_for(timeout=60_000)
    uploader.locator(".rh-file-input").set_input_files(str(clip))
    uploader.locator(".rh-upload-title").fill("Made in a notebook")
    uploader.locator(".rh-upload-start").click()
    row = uploader.locator(".rh-upload-row[data-state='done']")
    row.wait_for(timeout=60_000)
    video_id = (row.locator(".rh-upload-status").text_content() or "").rsplit("video ", 1)[1]

    browser = run_cell(page, 1)
    card = browser.locator(f".rh-card[data-id='{video_id}']")
    card.wait_for(timeout=60_000)
    browser.locator(f".rh-card[data-id='{video_id}'][data-status='ready']").wait_for(
        timeout=READY_TIMEOUT_S * 1000)  # the grid refreshes itself while it processes
    screenshot(page, f"notebook-{jupyter.url.split('/')[3]}-browser-ready")
    browser.locator(f".rh-card[data-id='{video_id}']").click()
    playing(browser)
    switch_to_lowest_rung(browser)

    player = run_cell(page, 2)
    playing(player)
    assert player.locator(".rh-player-quality option").count() >= 3  # Auto and two rungs
    screenshot(page, f"notebook-{jupyter.url.split('/')[3]}-player")

    page.keyboard.press("Control+s")
    deadline = time.monotonic() + 30
    while STATE_MIME not in jupyter.notebook.read_text():
        assert time.monotonic() < deadline, "the notebook was not saved with widget state"
        time.sleep(0.5)
    saved = jupyter.notebook.read_text()
    assert admin_token not in saved
    assert '"query"' in saved and video_id in saved  # the widgets' state is in it

    assert api_calls and all("/api/v1/play/" in url for url in api_calls), api_calls
    assert page.errors == []
