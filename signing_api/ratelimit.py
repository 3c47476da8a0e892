"""Sign-in limits kept in the API database, so every API process on every host shares them.

An attempt is counted before its password is checked, in one locked transaction, and
uncounted when the password was right; the rule it is counted against is in the README
("Sign-in limits"): a backoff per account and address, an account guard that only stops
addresses that failed on the account, and a cap per address against password spraying.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, case, delete, func, or_, select, text
from sqlalchemy.orm import Session

from reelhouse.config import Settings
from reelhouse.db import RateEvent, utcnow
from signing_api.errors import ApiError

# An account+address's failures are forgotten this long after they happened.
PAIR_MEMORY = timedelta(days=1)


@dataclass(frozen=True)
class RateLimits:
    """How failed sign-ins slow down whoever makes them.

    Only failures count, so people behind one address who type their password right are
    never held up by each other, and an attacker's failures hold up only the attacker's
    own address (see `reserve`).
    """

    login_failures_per_address: int = 50
    login_failures_per_user: int = 10
    window_s: int = 300
    free_failures: int = 5
    backoff_max_s: int = 900

    @classmethod
    def from_settings(cls, settings: Settings) -> RateLimits:
        return cls(settings.signin_failures_per_address, settings.signin_failures_per_user,
                   settings.signin_window_s, settings.signin_free_failures,
                   settings.signin_backoff_max_s)

    def backoff_s(self, failures: int) -> float:
        """How long after its last failure an account+address with `failures` must wait:
        nothing for the first `free_failures`, then 1 s, 2 s, 4 s ... up to `backoff_max_s`."""
        if failures < self.free_failures:
            return 0.0
        return float(min(2 ** min(failures - self.free_failures, 40), self.backoff_max_s))


@dataclass(frozen=True)
class Attempt:
    """A sign-in attempt counted in the database: its events and its account+address bucket."""

    pair: str
    event_ids: tuple[int, ...]


def _stored(bucket: str) -> str:
    """The bucket as stored: its kind, then a digest of what it counts (a typed username may
    be a password, may hold NUL, which PostgreSQL refuses, and may be of any length)."""
    kind, _, counted = bucket.partition(":")
    return f"{kind[:40]}:{hashlib.sha256(counted.encode('utf-8', 'replace')).hexdigest()}"


def address_key(address: str) -> str:
    """What an address is counted as: itself, or its /64 for IPv6 (one host holds a whole
    /64, so counting single IPv6 addresses would count nothing)."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(parsed, ipaddress.IPv6Address):
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


def _refuse(why: str, until: datetime, now: datetime) -> ApiError:
    wait = max(1, math.ceil((until - now).total_seconds()))
    return ApiError(429, "rate_limited", f"{why}; try again in {wait} s",
                    {"Retry-After": str(wait)})


def reserve(session: Session, limits: RateLimits, username: str, address: str) -> Attempt:
    """Count one attempt of `address` at `username`, or raise a 429 saying how long to wait.

    Refused (and not counted): an account+address in its backoff; an address that failed on
    an account which has `login_failures_per_user` failures in the window from anywhere (any
    other address is still let through, so the right password from it signs in at once); an
    address with `login_failures_per_address` failures in the window, across accounts.

    Every count and the insert run in one transaction holding the account's and the
    address's locks (PostgreSQL advisory locks; SQLite's single writer, taken by the first
    statement), so any number of API processes let exactly the allowed attempts through.
    """
    account = username.strip().lower()
    place = address_key(address)
    pair = _stored(f"login-pair:{account}|{place}")
    user = _stored(f"login-user:{account}")
    addr = _stored(f"login-addr:{place}")
    if session.get_bind().dialect.name == "postgresql":
        for key in sorted((user, addr)):  # one order everywhere: no deadlocks
            session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"),
                            {"key": key})
    now = utcnow()
    window = now - timedelta(seconds=limits.window_s)
    stale = [and_(RateEvent.bucket == pair, RateEvent.at <= now - PAIR_MEMORY),
             and_(RateEvent.bucket.in_((user, addr)), RateEvent.at <= window)]
    if random.random() < 0.01:  # buckets nobody hits again are swept now and then
        stale.append(RateEvent.at <= now - PAIR_MEMORY)
    # A write first: on SQLite it takes the database's write lock for the transaction.
    session.execute(delete(RateEvent).where(or_(*stale)))

    in_window = case((RateEvent.at > window, 1), else_=0)
    addr_failures, addr_oldest = session.execute(
        select(func.count(), func.min(RateEvent.at)).where(RateEvent.bucket == addr)).one()
    if addr_failures >= limits.login_failures_per_address:
        raise _refuse("too many failed sign-ins from your address",
                      addr_oldest + timedelta(seconds=limits.window_s), now)
    pair_failures, pair_last, pair_recent = session.execute(
        select(func.count(), func.max(RateEvent.at), func.coalesce(func.sum(in_window), 0))
        .where(RateEvent.bucket == pair)).one()
    backoff_end = pair_last + timedelta(seconds=limits.backoff_s(pair_failures)) \
        if pair_failures else now
    if now < backoff_end:
        raise _refuse("too many failed sign-ins for this account from your address",
                      backoff_end, now)
    if pair_recent:
        user_failures = session.execute(
            select(func.count()).where(RateEvent.bucket == user)).scalar_one()
        if user_failures >= limits.login_failures_per_user:
            raise _refuse("too many failed sign-ins for this account, some from your address",
                          pair_last + timedelta(seconds=limits.window_s), now)
    events = [RateEvent(bucket=bucket, at=now) for bucket in (pair, user, addr)]
    session.add_all(events)
    session.flush()
    return Attempt(pair, tuple(event.id for event in events))


def withdraw(session: Session, attempt: Attempt) -> None:
    """Uncount an attempt whose password was never checked."""
    session.execute(delete(RateEvent).where(RateEvent.id.in_(attempt.event_ids)))


def succeeded(session: Session, attempt: Attempt) -> None:
    """Uncount an attempt with the right password and forget its account+address's failures
    (the account's and the address's failures stay: others may still be guessing)."""
    session.execute(delete(RateEvent).where(or_(RateEvent.id.in_(attempt.event_ids),
                                                RateEvent.bucket == attempt.pair)))
