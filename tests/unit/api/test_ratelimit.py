"""Sign-in limits shared through the database: exact under bursts, never a lock an attacker
can hold over someone else, safe for any input."""

from __future__ import annotations

import collections
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from reelhouse.db import RateEvent, utcnow
from signing_api import ratelimit
from signing_api.auth import sign_in
from signing_api.deps import Services
from signing_api.errors import ApiError
from signing_api.ratelimit import RateLimits

BURST = 100


@pytest.fixture
def limits(services: Services) -> Iterator[Callable[..., RateLimits]]:
    """Set the app's sign-in limits for one test (the package's app is shared)."""
    saved = services.limits

    def use(**values: int) -> RateLimits:
        services.limits = RateLimits(**values)
        return services.limits

    yield use
    services.limits = saved


def from_address(app: FastAPI, address: str) -> TestClient:
    """A client of the real app whose requests come from `address`."""
    return TestClient(app, client=(address, 40000))


def burst(attempts: list[tuple[TestClient, str, str]]) -> collections.Counter[int]:
    """Send every (client, username, password) sign-in at once; count the statuses."""
    start = threading.Barrier(len(attempts))

    def attempt(args: tuple[TestClient, str, str]) -> int:
        client, username, password = args
        start.wait()
        return client.post("/api/v1/auth/token",
                           json={"username": username, "password": password}).status_code

    with ThreadPoolExecutor(len(attempts)) as pool:
        return collections.Counter(pool.map(attempt, attempts))


def test_a_burst_at_one_account_gets_only_the_free_failures(
        app: FastAPI, make_user, limits, monkeypatch: pytest.MonkeyPatch) -> None:
    """A hundred wrong passwords at once from one address at one account check exactly the
    free failures; every other attempt is a 429 and never reaches the hash."""
    limits(login_failures_per_address=1000, login_failures_per_user=1000, free_failures=5)
    # On a frozen clock: a burst spread over more than the first 1 s backoff would rightly
    # let a sixth try in.
    frozen = utcnow()
    monkeypatch.setattr(ratelimit, "utcnow", lambda: frozen)
    user, _ = make_user(password="right-password")
    attacker = from_address(app, "203.0.113.7")
    statuses = burst([(attacker, user.username, f"guess-{n}") for n in range(BURST)])
    assert statuses == {401: 5, 429: BURST - 5}


def test_a_burst_across_accounts_gets_only_the_address_limit(app: FastAPI, limits) -> None:
    """A hundred wrong passwords at once from one address at a hundred accounts (spraying)
    check exactly the address's allowance."""
    limits(login_failures_per_address=20, login_failures_per_user=1000)
    sprayer = from_address(app, "203.0.113.8")
    statuses = burst([(sprayer, f"spray-{n}", "Summer2026!") for n in range(BURST)])
    assert statuses == {401: 20, 429: BURST - 20}


def test_a_guarded_account_gives_each_address_one_guess(app: FastAPI, make_user,
                                                        limits) -> None:
    """Once an account has its failures, each address that joins in gets exactly one guess,
    however many it sends at once, and no address that failed gets another."""
    limits(login_failures_per_address=1000, login_failures_per_user=3, free_failures=5)
    user, _ = make_user(password="right-password")
    first = from_address(app, "198.51.100.1")
    for n in range(3):
        assert first.post("/api/v1/auth/token", json={
            "username": user.username, "password": f"guess-{n}"}).status_code == 401
    joiners = [from_address(app, f"198.51.100.{10 + n}") for n in range(25)]
    statuses = burst([(client, user.username, f"guess-{i}")
                      for client in [first, *joiners] for i in range(4)])
    assert statuses == {401: 25, 429: 4 * 26 - 25}


def test_an_attacker_cannot_keep_the_admin_out(app: FastAPI, make_user, limits,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """However long an attacker hammers `admin`, the admin's right password from another
    address signs in at once, and the attacker's own address stays refused. (The clock is
    frozen: on a slow machine 200 tries outlast the first backoffs and let more guesses in.)"""
    frozen = utcnow()
    monkeypatch.setattr(ratelimit, "utcnow", lambda: frozen)
    limits(login_failures_per_address=50, login_failures_per_user=10)
    admin, _ = make_user(role="admin", password="right-password")
    attacker = from_address(app, "203.0.113.66")
    hammered = collections.Counter(
        attacker.post("/api/v1/auth/token", json={"username": admin.username,
                                                  "password": f"guess-{n}"}).status_code
        for n in range(200))
    assert hammered[401] <= 10 and hammered[429] >= 190
    real = from_address(app, "192.0.2.20").post(
        "/api/v1/auth/token", json={"username": admin.username, "password": "right-password"})
    assert real.status_code == 201, real.text
    refused = attacker.post("/api/v1/auth/token",
                            json={"username": admin.username, "password": "right-password"})
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1


def test_the_backoff_doubles_then_stops_at_its_cap() -> None:
    """Free failures cost nothing; after them each wait doubles from 1 s up to the cap."""
    rule = RateLimits(free_failures=3, backoff_max_s=60)
    assert [rule.backoff_s(n) for n in range(11)] == [0, 0, 0, 1, 2, 4, 8, 16, 32, 60, 60]
    assert rule.backoff_s(10**6) == 60


def test_the_backoff_lets_the_next_try_in_once_it_has_passed(
        services: Services, make_user, monkeypatch: pytest.MonkeyPatch) -> None:
    """On a frozen clock: each try after the free ones waits exactly the backoff, and the
    right password once it has passed signs in and clears the address's failures."""
    monkeypatch.setattr(services, "limits", RateLimits(
        login_failures_per_address=1000, login_failures_per_user=1000, free_failures=2))
    now = [utcnow()]
    monkeypatch.setattr(ratelimit, "utcnow", lambda: now[0])
    user, _ = make_user(password="right-password")

    def try_(password: str) -> int | str:
        try:
            sign_in(services, "192.0.2.33", user.username, password)
        except ApiError as e:
            return f"{e.status} {e.headers['Retry-After']}" if e.status == 429 else e.status
        return 201

    def after(seconds: float) -> None:
        now[0] = now[0] + timedelta(seconds=seconds)

    assert [try_("wrong-1"), try_("wrong-2"), try_("wrong-3")] == [401, 401, "429 1"]
    after(1)
    assert [try_("wrong-3"), try_("wrong-4")] == [401, "429 2"]
    after(1.5)
    assert try_("right-password") == "429 1"
    after(0.5)
    assert try_("right-password") == 201
    assert [try_("wrong-5"), try_("wrong-6"), try_("wrong-7")] == [401, 401, "429 1"]


def test_a_success_is_not_counted(services: Services, make_user) -> None:
    """A right password leaves no attempt behind in any bucket."""
    user, _ = make_user(password="right-password")
    sign_in(services, "192.0.2.77", user.username, "right-password")
    buckets = [ratelimit._stored(f"login-user:{user.username}"),
               ratelimit._stored("login-addr:192.0.2.77"),
               ratelimit._stored(f"login-pair:{user.username}|192.0.2.77")]
    with services.db.session() as session:
        held = session.scalars(select(RateEvent.bucket).where(
            RateEvent.bucket.in_(buckets))).all()
    assert held == []


def test_ipv6_addresses_count_by_their_64(services: Services, make_user,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """One host's /64 is one address to the limits: changing the low bits buys no tries."""
    monkeypatch.setattr(services, "limits", RateLimits(
        login_failures_per_address=1000, login_failures_per_user=1000, free_failures=2))
    user, _ = make_user()
    statuses = []
    for n in range(3):
        try:
            sign_in(services, f"2001:db8:1:2::{n + 1:x}", user.username, "wrong-password")
        except ApiError as e:
            statuses.append(e.status)
    assert statuses == [401, 401, 429]
    assert ratelimit.address_key("2001:db8:1:2:ffff::1") == "2001:db8:1:2::/64"
    assert ratelimit.address_key("192.0.2.1") == "192.0.2.1"


def test_any_typed_username_can_be_counted(services: Services) -> None:
    """What a client types as a username (NUL, any length) is counted, never stored as typed."""
    since: datetime = utcnow()
    for typed in ("a\x00b", "x" * 5000, "naïve-名前"):
        with services.db.session() as session:
            ratelimit.reserve(session, RateLimits(), typed, "192.0.2.200")
    with services.db.session() as session:
        stored = session.scalars(select(RateEvent.bucket).where(RateEvent.at >= since)).all()
    assert stored and not any("\x00" in bucket or "xxxx" in bucket or "naïve" in bucket
                              for bucket in stored)
