"""The notebooks run top to bottom against a stack this test starts; a failing cell fails."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from reelhouse.config import Settings, settings_env
from reelhouse.storage import Storage
from tests.stack_process import StackProcess

pytestmark = pytest.mark.integration

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
# Run in this order: the quickstart's upload gives the analytics notebooks a catalog to read.
ORDER = ["quickstart.ipynb", "catalog_analytics.ipynb", "quality_report.ipynb"]
CATALOG_NOTEBOOKS = ORDER[1:]
CELL_TIMEOUT_S = 900


def point_kernel_at(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """The kernel inherits our environment: replace every REELHOUSE_* variable with `env`'s."""
    for name in [n for n in os.environ if n.startswith("REELHOUSE_")]:
        monkeypatch.delenv(name)
    for name, value in env.items():
        if name.startswith("REELHOUSE_"):
            monkeypatch.setenv(name, value)


def run_notebook(name: str, workdir: Path) -> list[str]:
    """Execute every cell (an error in any raises) and return the printed text; the executed
    copy is left in `workdir` to look at when a cell fails."""
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    started = time.monotonic()
    try:
        NotebookClient(nb, timeout=CELL_TIMEOUT_S, kernel_name="python3",
                       resources={"metadata": {"path": str(workdir)}}).execute()
    finally:
        nbformat.write(nb, workdir / name)
    print(f"{name}: {time.monotonic() - started:.1f}s")
    return [o.get("text", "") for c in nb.cells if c.cell_type == "code"
            for o in c.outputs if o.output_type == "stream"]


def test_notebooks_are_committed_without_outputs() -> None:
    """Every notebook is stored clean: no outputs, no execution counts."""
    for name in ORDER:
        nb = nbformat.read(NOTEBOOKS / name, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code":
                assert cell.outputs == [] and cell.execution_count is None, name


@pytest.mark.parametrize("name", CATALOG_NOTEBOOKS)
def test_catalog_notebooks_say_when_the_catalog_is_empty(
        name: str, s3_settings: Settings, monkeypatch: pytest.MonkeyPatch,
        tmp_path: Path) -> None:
    """Before the pipeline has written anything, the notebooks run through and say so."""
    settings = s3_settings.model_copy(update={"s3_bucket": "empty-catalog"})
    Storage(settings).ensure_bucket()
    point_kernel_at(settings_env(settings), monkeypatch)
    text = "\n".join(run_notebook(name, tmp_path))
    assert "empty" in text or "No renditions" in text, text


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StackProcess]:
    """`reelhouse up` on free ports with a known admin password, stopped after the module."""
    running = StackProcess.on_free_ports(tmp_path_factory.mktemp("nb-stack"))
    running.start()
    try:
        yield running
    finally:
        running.stop()


@pytest.mark.parametrize("name", ORDER)
def test_notebook_runs_against_the_stack(name: str, stack: StackProcess,
                                         monkeypatch: pytest.MonkeyPatch,
                                         tmp_path: Path) -> None:
    """Every cell executes without an error against the running stack (signed in as admin)."""
    point_kernel_at({**stack.env, "REELHOUSE_NOTEBOOK_WAIT_S": "600"}, monkeypatch)
    text = "\n".join(run_notebook(name, tmp_path))
    if name == "quickstart.ipynb":
        assert "HLS master playlist" in text or "not finished" in text, text
