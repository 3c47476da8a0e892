"""A notebook saved with its widget state (as JupyterLab's "save widget state" does) holds
the widgets' state but never the API token or address the kernel used."""

from __future__ import annotations

import json
import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

pytestmark = pytest.mark.integration

TOKEN = "rh_saved_notebook_must_not_hold_this"
# The kernel finds the API and token in its environment, as a user's does with `.env`.
KERNEL_ENV = {"REELHOUSE_PUBLIC_HOST": "api.internal.example", "REELHOUSE_API_PORT": "8123",
              "REELHOUSE_TOKEN": TOKEN}
STATE_MIME = "application/vnd.jupyter.widget-state+json"
VID = "01J0000000000000000000000A"

CELLS = [
    "import os\nfrom reelhouse.widgets import Browser, Player, Uploader",
    "up = Uploader(visibility='public'); up",
    f"Player({VID!r}, level=1)",
    "b = Browser(query='harbour', layout={'width': '640px'}); b",
    # A token set after display is not synced either.
    "b.grid.token = os.environ['REELHOUSE_TOKEN'] + '-renewed'\n"
    "assert b.player.token == b.grid.token",
]


def test_saved_widget_state_has_no_token(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                        ) -> None:
    """Executed in a real kernel and written with its widget state, the notebook has every
    widget's model (the query typed, the rung forced, the layout) and no token or API URL."""
    for name in [n for n in os.environ if n.startswith("REELHOUSE_")]:
        monkeypatch.delenv(name)
    for name, value in KERNEL_ENV.items():
        monkeypatch.setenv(name, value)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in CELLS])
    NotebookClient(nb, timeout=120, kernel_name="python3", store_widget_state=True,
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    path = tmp_path / "saved.ipynb"
    nbformat.write(nb, path)
    text = path.read_text()

    models = nbformat.read(path, as_version=4).metadata.widgets[STATE_MIME]["state"]
    states = [m["state"] for m in models.values()]
    anywidgets = [s for s in states if s.get("_model_name") == "AnyModel"]
    assert len(anywidgets) == 4  # uploader, player, and the browser's grid and player
    assert any(s.get("query") == "harbour" for s in anywidgets)
    assert any(s.get("level") == 1 and s.get("video_id") == VID for s in anywidgets)
    assert any(s.get("visibility") == "public" and "uploads" in s for s in anywidgets)
    assert any(s.get("width") == "640px" for s in states)
    assert all(s["_signed_in"] is True for s in anywidgets)
    assert TOKEN not in text
    assert "api.internal.example" not in text and "8123" not in json.dumps(states)
