"""Builds the widget and dashboard JavaScript into the wheel (pyproject.toml holds the rest).

The bundle (hls.js and our modules, esbuild) is made from frontend/ at build time so an
installed wheel needs no Node and loads nothing from a CDN. Building a wheel or sdist from a
checkout therefore needs Node 18+ and npm; installing the wheel does not.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.command.sdist import sdist

HERE = Path(__file__).resolve().parent
FRONTEND = HERE / "frontend"
STATIC = HERE / "reelhouse" / "static"
STAMP = STATIC / ".built"


def bundle_is_fresh() -> bool:
    """True when the bundle is newer than every frontend source it is built from."""
    if not STAMP.exists():
        return False
    sources = [FRONTEND / "package-lock.json", FRONTEND / "build.mjs",
               *(FRONTEND / "src").rglob("*.js")]
    built = STAMP.stat().st_mtime
    return all(source.stat().st_mtime <= built for source in sources if source.exists())


def build_bundle() -> None:
    """`npm ci` and esbuild into reelhouse/static/, or a clear error naming what is missing."""
    npm, node = shutil.which("npm"), shutil.which("node")
    if npm is None or node is None:
        raise SystemExit("building reelhouse needs Node 18+ and npm to bundle the widget and "
                         "dashboard JavaScript (frontend/); install Node, or install a built "
                         "wheel instead")
    subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
                   cwd=FRONTEND, check=True)
    subprocess.run([node, "build.mjs"], cwd=FRONTEND, check=True)
    STAMP.touch()


def ensure_bundle() -> None:
    """Build the bundle when a frontend source is newer than it (an sdist ships it fresh)."""
    if FRONTEND.is_dir() and not bundle_is_fresh():
        build_bundle()


class BuildWithBundle(build_py):
    """build_py that first makes sure the JS bundle is fresh; editable installs leave it to
    `make static`, which the Makefile runs anyway."""

    def run(self) -> None:
        if not getattr(self, "editable_mode", False):
            ensure_bundle()
        super().run()


class SdistWithBundle(sdist):
    """sdist that carries the built bundle, so building a wheel from it needs no Node."""

    def run(self) -> None:
        ensure_bundle()
        super().run()


setup(cmdclass={"build_py": BuildWithBundle, "sdist": SdistWithBundle})
