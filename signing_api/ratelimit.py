"""Fixed-window rate limits kept in the API database, so every worker shares the counts."""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func, insert, literal, select, text
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


def _stored(bucket: str) -> str:
    """The bucket as stored: its kind, then a digest of what it counts (a typed username may
    be a password, may hold NUL, which PostgreSQL refuses, and may be of any length)."""
    kind, _, counted = bucket.partition(":")
    return f"{kind[:40]}:{hashlib.sha256(counted.encode('utf-8', 'replace')).hexdigest()}"


def reserve(session: Session, bucket: str, limit: int, window_s: int) -> int:
    """Count one attempt in `bucket` and return its id, or raise a 429 when the bucket
    already holds `limit` inside the window.

    The count and the insert are one statement, and on PostgreSQL the bucket is locked for
    the transaction, so API processes on any number of hosts never let more than `limit`
    attempts through between them, however many arrive at once. An attempt that turns out
    to succeed is released again (`release`), so only failures stay counted.
    """
    key, now = _stored(bucket), utcnow()
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"),
                        {"key": key})
    if random.random() < 0.01:  # buckets nobody hits again are swept now and then
        session.execute(delete(RateEvent).where(RateEvent.at <= now - timedelta(days=1)))
    session.execute(delete(RateEvent).where(RateEvent.bucket == key,
                                            RateEvent.at <= now - timedelta(seconds=window_s)))
    held = (select(func.count()).select_from(RateEvent)
            .where(RateEvent.bucket == key, RateEvent.at > now - timedelta(seconds=window_s))
            .scalar_subquery())
    row = select(literal(key, RateEvent.bucket.type), literal(now, RateEvent.at.type)) \
        .where(held < limit)
    event_id = session.execute(insert(RateEvent).from_select(["bucket", "at"], row)
                               .returning(RateEvent.id)).scalar()
    if event_id is None:
        raise ApiError(429, "rate_limited", "too many sign-in attempts; try again later",
                       {"Retry-After": str(window_s)})
    return event_id


def release(session: Session, event_ids: list[int]) -> None:
    """Uncount attempts `reserve` counted (they succeeded)."""
    session.execute(delete(RateEvent).where(RateEvent.id.in_(event_ids)))
