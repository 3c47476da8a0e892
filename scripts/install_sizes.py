"""How much disk each install set of the wheel takes: bare (the SDK), `notebook`, `stack`.

Builds the wheel from this checkout, installs each set into a fresh venv from PyPI and
measures what the install added to the venv (an empty venv's own pip is subtracted).
Usage: .venv/bin/python scripts/install_sizes.py [--sets "" notebook stack]
The last line printed is one JSON object of MB per set (README's install table quotes it).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parent.parent


def _size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())


def _venv(path: Path) -> Path:
    subprocess.run([sys.executable, "-m", "venv", str(path)], check=True)
    return path / "bin" / "python"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", nargs="*", default=["", "notebook", "stack"])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="install-sizes-") as tmp:
        root = Path(tmp)
        subprocess.run([sys.executable, "-m", "build", "--wheel", "--outdir", str(root / "dist"),
                        str(CHECKOUT)], check=True, capture_output=True)
        (wheel,) = (root / "dist").glob("reelhouse-*.whl")
        _venv(root / "empty")
        empty = _size(root / "empty")
        sizes: dict[str, float] = {}
        for extra in args.sets:
            name = extra or "bare"
            python = _venv(root / name)
            target = f"{wheel}[{extra}]" if extra else str(wheel)
            subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-cache-dir", target],
                           check=True)
            sizes[name] = round((_size(root / name) - empty) / 1e6, 1)
            print(f"{name:10s} {sizes[name]:8.1f} MB")
    print(json.dumps({"script": "install_sizes", "mb": sizes}))


if __name__ == "__main__":
    main()
