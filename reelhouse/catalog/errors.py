"""Errors of the catalog: each also inherits the matching builtin."""

from __future__ import annotations

from reelhouse.errors import ReelhouseError


class CatalogError(ReelhouseError, ValueError):
    """A catalog request names an unknown table, column or ordering, or holds bad rows."""
