"""Password hashing under a burst: never more at once than the slots, a clear 503 beyond."""

from __future__ import annotations

import collections
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from reelhouse import accounts
from reelhouse.db import RateEvent
from signing_api.deps import Services
from signing_api.hashing import HashSlots
from signing_api.ratelimit import RateLimits


class RecordingHasher(PasswordHasher):
    """The cheapest argon2, holding each check for `hold_s` and recording the most at once."""

    def __init__(self, hold_s: float) -> None:
        super().__init__(time_cost=1, memory_cost=64, parallelism=1)
        self.hold_s = hold_s
        self.running = 0
        self.peak = 0
        self.release = threading.Event()
        self.release.set()
        self._lock = threading.Lock()

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:  # noqa: A002
        with self._lock:
            self.running += 1
            self.peak = max(self.peak, self.running)
        try:
            self.release.wait()
            time.sleep(self.hold_s)
            return super().verify(hash, password)
        finally:
            with self._lock:
                self.running -= 1


@pytest.fixture
def hasher(services: Services, monkeypatch: pytest.MonkeyPatch) -> Iterator[RecordingHasher]:
    recording = RecordingHasher(hold_s=0.1)
    monkeypatch.setattr(accounts, "_hasher", recording)
    monkeypatch.setattr(accounts, "_DUMMY_HASH", recording.hash("not-a-real-password"))
    # Every attempt of the burst is let through the limits: this is about the hashes.
    monkeypatch.setattr(services, "limits", RateLimits(login_failures_per_address=10**6,
                                                       login_failures_per_user=10**6))
    yield recording


def _sign_in(app: FastAPI, n: int) -> int:
    client = TestClient(app, client=(f"198.18.{n // 250}.{n % 250 + 1}", 40000))
    return client.post("/api/v1/auth/token",
                       json={"username": f"burst-{n}", "password": "guess-guess"}).status_code


def test_a_burst_never_hashes_more_than_the_slots(app: FastAPI, services: Services,
                                                  hasher: RecordingHasher,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """A hundred sign-ins at once (from a hundred addresses) run at most the configured
    number of argon2 checks at a time, and every one still gets its answer."""
    monkeypatch.setattr(services, "hashing", HashSlots(3, wait_s=60))
    start = threading.Barrier(100)

    def attempt(n: int) -> int:
        start.wait()
        return _sign_in(app, n)

    with ThreadPoolExecutor(100) as pool:
        statuses = collections.Counter(pool.map(attempt, range(100)))
    assert statuses == {401: 100}
    assert hasher.peak == 3


def test_no_free_slot_is_a_503_that_is_not_counted(app: FastAPI, services: Services,
                                                   hasher: RecordingHasher,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """With every slot held past the wait, a sign-in is a 503 `signin_busy` with Retry-After
    (never a 500), and it leaves no failure behind."""
    monkeypatch.setattr(services, "hashing", HashSlots(1, wait_s=0.2))
    hasher.release.clear()
    with ThreadPoolExecutor(1) as pool:
        holder = pool.submit(_sign_in, app, 1000)
        while hasher.running == 0:
            time.sleep(0.01)
        with services.db.session() as session:
            before = session.scalar(select(func.count()).select_from(RateEvent))
        busy = TestClient(app, client=("198.18.9.9", 40000)).post(
            "/api/v1/auth/token", json={"username": "burst-x", "password": "guess-guess"})
        with services.db.session() as session:
            after = session.scalar(select(func.count()).select_from(RateEvent))
        hasher.release.set()
        assert holder.result() == 401
    assert busy.status_code == 503, busy.text
    assert busy.json()["error"] == "signin_busy" and busy.headers["Retry-After"] == "1"
    assert after == before
