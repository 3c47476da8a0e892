"""Small helpers shared by fixtures and tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from argon2 import PasswordHasher

from reelhouse import accounts
from reelhouse.ports import free_port, free_s3_port

__all__ = ["CHROMIUM_ARGS", "cheap_password_hashing", "free_port", "free_s3_port"]

CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--autoplay-policy=no-user-gesture-required", "--mute-audio",
]


@contextmanager
def cheap_password_hashing() -> Iterator[None]:
    """argon2 at its smallest cost, for tests about access rather than the hash strength."""
    cheap = PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)
    saved = accounts._hasher, accounts._DUMMY_HASH
    accounts._hasher, accounts._DUMMY_HASH = cheap, cheap.hash("not-a-real-password")
    try:
        yield
    finally:
        accounts._hasher, accounts._DUMMY_HASH = saved
