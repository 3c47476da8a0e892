"""Sign-in limits shared through the database: exact under concurrency, safe for any input."""

from __future__ import annotations

import dataclasses
import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import select

from reelhouse.db import RateEvent
from signing_api import ratelimit
from signing_api.auth import sign_in
from signing_api.deps import Services
from signing_api.errors import ApiError


def test_racing_failures_never_pass_the_limit(services: Services, make_user) -> None:
    """Twelve wrong passwords for one user at once (as from many API hosts) get exactly the
    allowed number of 401s; every other attempt is a 429."""
    user, _ = make_user(password="right-password")
    svc = dataclasses.replace(services, limits=ratelimit.RateLimits(
        login_failures_per_address=1000, login_failures_per_user=4))
    start = threading.Barrier(12)

    def attempt(n: int) -> int:
        start.wait()
        try:
            sign_in(svc, f"198.51.100.{n}", user.username, "wrong-password")
        except ApiError as e:
            return e.status
        return 201

    with ThreadPoolExecutor(12) as pool:
        statuses = sorted(pool.map(attempt, range(12)))
    assert statuses == [401] * 4 + [429] * 8


def test_a_success_is_not_counted(services: Services, make_user) -> None:
    """A right password leaves no attempt behind in either bucket."""
    user, _ = make_user(password="right-password")
    sign_in(services, "192.0.2.77", user.username, "right-password")
    with services.db.session() as session:
        user_bucket = ratelimit._stored(f"login-user:{user.username}")
        address_bucket = ratelimit._stored("login-addr:192.0.2.77")
        held = session.scalars(select(RateEvent.bucket).where(
            RateEvent.bucket.in_([user_bucket, address_bucket]))).all()
    assert held == []


def test_any_typed_username_can_be_counted(services: Services) -> None:
    """What a client types as a username (NUL, any length) is counted, never stored as typed."""
    for typed in ("a\x00b", "x" * 5000, "naïve-名前"):
        with services.db.session() as session:
            ratelimit.reserve(session, f"login-user:{typed}", 10, 60)
    with services.db.session() as session:
        stored = session.scalars(select(RateEvent.bucket)).all()
    assert not any("\x00" in bucket or "xxxx" in bucket or "naïve" in bucket
                   for bucket in stored)
