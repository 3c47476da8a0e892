"""Floors run one way (STYLE 19): the core imports no server framework, assets no wiring."""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys

import assets
import reelhouse
from tests.helpers import CHECKOUT

SERVERS = ("dagster", "fastapi", "panel")


def _modules(package: object) -> list[str]:
    return sorted(m.name for m in pkgutil.walk_packages(package.__path__,  # type: ignore[attr-defined]
                                                        package.__name__ + "."))


def _loaded(modules: list[str], prefixes: tuple[str, ...]) -> list[str]:
    """Which of `prefixes` a fresh interpreter holds after importing `modules`."""
    code = """
import importlib, json, sys
names, prefixes = sys.argv[1].split(","), tuple(sys.argv[2:])
for name in names:
    importlib.import_module(name)
print(json.dumps(sorted({m.split('.')[0] for m in sys.modules if m.split('.')[0] in prefixes})))
"""
    out = subprocess.run([sys.executable, "-c", code, ",".join(modules), *prefixes], cwd=CHECKOUT,
                         capture_output=True, text=True, timeout=300, check=True)
    return json.loads(out.stdout)


def _leaks(modules: list[str], prefixes: tuple[str, ...]) -> dict[str, list[str]]:
    """Modules that load any of `prefixes`: all at once, then one by one to name them."""
    if not _loaded(modules, prefixes):
        return {}
    return {name: found for name in modules if (found := _loaded([name], prefixes))}


def test_no_reelhouse_module_imports_dagster_fastapi_or_panel() -> None:
    """Every module of the core, imported on its own, loads none of the servers (stack.py
    and cli.py start them as processes, and import nothing of them)."""
    modules = _modules(reelhouse)
    assert "reelhouse.stack" in modules and "reelhouse.dagster_instance" in modules
    assert _leaks(modules, SERVERS) == {}


def test_no_asset_module_imports_the_wiring() -> None:
    """Assets import nothing from pipelines/: resources, partitions and database live beside
    them, and only pipelines/ assembles."""
    assert _leaks(_modules(assets), ("pipelines",)) == {}
