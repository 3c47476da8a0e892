"""Fixed-window rate limits kept in the API database, so every worker shares the counts."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from reelhouse.config import Settings
from reelhouse.db import RateEvent, utcnow
from signing_api.errors import ApiError


@dataclass(frozen=True)
class RateLimits:
    """How many failed sign-ins a client address and a username get per window.

    Only failures count, so people behind one address (or one dashboard server) who type
    their password right are never locked out by each other.
    """

    login_failures_per_address: int = 50
    login_failures_per_user: int = 10
    window_s: int = 300

    @classmethod
    def from_settings(cls, settings: Settings) -> RateLimits:
        return cls(settings.signin_failures_per_address, settings.signin_failures_per_user,
                   settings.signin_window_s)


def check(session: Session, bucket: str, limit: int, window_s: int) -> None:
    """Raise a 429 when `bucket` already holds `limit` events inside the window."""
    since = utcnow() - timedelta(seconds=window_s)
    count = session.scalar(select(func.count()).select_from(RateEvent)
                           .where(RateEvent.bucket == bucket, RateEvent.at > since))
    if count is not None and count >= limit:
        raise ApiError(429, "rate_limited", "too many sign-in attempts; try again later",
                       {"Retry-After": str(window_s)})


def record(session: Session, bucket: str, window_s: int) -> None:
    """Count one event in `bucket`, dropping events that fell out of its window."""
    now = utcnow()
    session.execute(delete(RateEvent).where(RateEvent.bucket == bucket,
                                            RateEvent.at <= now - timedelta(seconds=window_s)))
    if random.random() < 0.01:  # buckets nobody hits again are swept now and then
        session.execute(delete(RateEvent).where(RateEvent.at <= now - timedelta(days=1)))
    session.add(RateEvent(bucket=bucket[:200], at=now))
    session.flush()
