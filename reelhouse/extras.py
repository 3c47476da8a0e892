"""The optional install sets (extras) of the `reelhouse` distribution and the check that one is
installed, read from the installed metadata so pyproject.toml stays the one list."""

from __future__ import annotations

import re
from functools import cache
from importlib import metadata

from reelhouse.errors import ReelhouseError

DISTRIBUTION = "reelhouse"
_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[([^\]]*)\])?")
_EXTRA_MARKER = re.compile(r"""extra\s*==\s*["']([^"']+)["']""")


class MissingExtra(ReelhouseError, ImportError):
    """A part of Reelhouse was used without the extra that installs what it needs."""


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@cache
def _requirements() -> tuple[tuple[str, tuple[str, ...], str | None], ...]:
    """(distribution, its extras, the extra of ours that asks for it or None) per requirement."""
    rows = []
    for line in metadata.requires(DISTRIBUTION) or []:
        requirement, _, marker = line.partition(";")
        match = _NAME.match(requirement)
        if match is None:
            continue
        extras = tuple(e.strip() for e in (match.group(2) or "").split(",") if e.strip())
        wanted = _EXTRA_MARKER.search(marker)
        rows.append((_canonical(match.group(1)), extras, wanted.group(1) if wanted else None))
    return tuple(rows)


def distributions_of(extra: str) -> set[str]:
    """Every distribution the extra asks for, through the extras of ours it includes."""
    names: set[str] = set()
    pending, seen = [extra], set()
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        seen.add(current)
        for name, extras, wanted in _requirements():
            if wanted != current:
                continue
            if name == DISTRIBUTION:
                pending.extend(extras)
            else:
                names.add(name)
    return names


def missing_from(extra: str) -> list[str]:
    """The distributions of `extra` that are not installed, sorted; empty when all are."""
    missing = []
    for name in distributions_of(extra):
        try:
            metadata.distribution(name)
        except metadata.PackageNotFoundError:
            missing.append(name)
    return sorted(missing)


def require_extra(extra: str, what: str) -> None:
    """Raise `MissingExtra` (one line naming the extra) unless `extra` is fully installed.

    Run from a source tree without installed metadata, there is nothing to check against.
    """
    try:
        missing = missing_from(extra)
    except metadata.PackageNotFoundError:
        return
    if missing:
        raise MissingExtra(f"{what} needs the '{extra}' extra (missing {', '.join(missing)}): "
                           f"pip install 'reelhouse[{extra}]'")
