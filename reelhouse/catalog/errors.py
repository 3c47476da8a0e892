"""Errors of the catalog: each also inherits the matching builtin."""

from __future__ import annotations

from reelhouse.errors import ReelhouseError, StorageError


class CatalogError(ReelhouseError, ValueError):
    """A catalog request names an unknown table, column or ordering, or holds bad rows."""


class CatalogStorageError(StorageError):
    """Storage failed a catalog commit or read for a reason other than a lost commit race."""
