"""Users and API tokens: argon2 password hashes, tokens stored only as SHA-256 hashes."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, bindparam, select
from sqlalchemy.orm import Session

from reelhouse.db import ROLES, ApiToken, User, utcnow
from reelhouse.errors import AuthError

_hasher = PasswordHasher()
# Verifying against this keeps an unknown username as slow as a wrong password.
_DUMMY_HASH = _hasher.hash("not-a-real-password")
TOKEN_PREFIX = "rh"
USERNAME_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789_.-")
_TOKEN_ID = re.compile(r"[0-9a-f]{16}")


def validate_username(username: str) -> str:
    name = username.strip().lower()
    if not 1 <= len(name) <= 64 or not set(name) <= USERNAME_CHARS:
        raise ValueError("username: 1-64 characters of a-z, 0-9, '_', '.', '-'")
    return name


def create_user(session: Session, username: str, password: str, role: str = "user") -> User:
    """A new enabled user; raises ValueError for a taken name, bad role or short password."""
    name = validate_username(username)
    if role not in ROLES:
        raise ValueError(f"role: one of {', '.join(ROLES)}")
    if len(password) < 8:
        raise ValueError("password: at least 8 characters")
    if session.scalar(select(User).where(User.username == name)):
        raise ValueError(f"username: {name!r} is taken")
    user = User(username=name, password_hash=_hasher.hash(password), role=role)
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, username: str, password: str) -> User:
    """The enabled user with these credentials, else `AuthError` (same error for every cause)."""
    name = username.strip().lower()
    user = None
    # A name no user can have is not looked up (PostgreSQL refuses NUL in any query).
    if set(name) <= USERNAME_CHARS:
        user = session.scalar(select(User).where(User.username == name))
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        user = None
    if user is None or user.disabled:
        raise AuthError("wrong username or password")
    return user


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue_token(session: Session, user: User, ttl_s: int, name: str = "") -> tuple[str, ApiToken]:
    """A new token for `user`: returns the plaintext (shown once) and its stored row."""
    token_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    row = ApiToken(id=token_id, user_id=user.id, secret_hash=_digest(secret), name=name,
                   expires_at=utcnow() + timedelta(seconds=ttl_s))
    session.add(row)
    session.flush()
    return f"{TOKEN_PREFIX}_{token_id}_{secret}", row


_USER_COLUMNS = ("id", "username", "role", "disabled", "created_at")


# Built once: this lookup runs on every authenticated request, and building the statement
# costs several times what SQLite takes to answer it.
_TOKEN_LOOKUP = (
    select(ApiToken.secret_hash, ApiToken.revoked_at, ApiToken.expires_at,
           *(getattr(User, column) for column in _USER_COLUMNS))
    .join(User, User.id == ApiToken.user_id)
    .where(ApiToken.id == bindparam("token_id")))


def resolve_token(db: Session | Connection, token: str) -> User:
    """The user a token belongs to; `AuthError` if malformed, unknown, expired or revoked.

    The user comes back detached (not in any session), with every column but the password
    hash: enough to decide what the caller may do, in one query.
    """
    parts = token.split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX or not _TOKEN_ID.fullmatch(parts[1]):
        raise AuthError("invalid token")
    row = db.execute(_TOKEN_LOOKUP, {"token_id": parts[1]}).first()
    if row is None or not hmac.compare_digest(row.secret_hash, _digest(parts[2])):
        raise AuthError("invalid token")
    if row.revoked_at is not None:
        raise AuthError("token revoked")
    if row.expires_at <= utcnow():
        raise AuthError("token expired")
    if row.disabled:
        raise AuthError("user disabled")
    return User(**{column: getattr(row, column) for column in _USER_COLUMNS})


def revoke_token(session: Session, token_id: str) -> None:
    row = session.get(ApiToken, token_id.split("_")[1] if "_" in token_id else token_id)
    if row is None:
        raise ValueError(f"token: no token {token_id!r}")
    row.revoked_at = row.revoked_at or utcnow()


# --- for the command line (`reelhouse users ...`, `reelhouse tokens ...`) -------------------
def get_user(session: Session, username: str) -> User:
    """The user with this name; ValueError if there is none."""
    user = session.scalar(select(User).where(User.username == username.strip().lower()))
    if user is None:
        raise ValueError(f"username: no user {username.strip().lower()!r}")
    return user


def list_users(session: Session) -> list[User]:
    """Every user, by username."""
    return list(session.scalars(select(User).order_by(User.username)))


def set_disabled(session: Session, username: str, disabled: bool = True) -> User:
    """Disable (or re-enable) a user; a disabled user's tokens stop working at once."""
    user = get_user(session, username)
    user.disabled = disabled
    return user


# --- for play links issued to one viewer (signing_api.deps.linked_video) -----------------
_USER_LOOKUP = (select(*(getattr(User, column) for column in _USER_COLUMNS))
                .where(User.id == bindparam("user_id")))


def lookup_user(db: Session | Connection, user_id: int) -> User | None:
    """The user with this id, detached and without the password hash, or None."""
    row = db.execute(_USER_LOOKUP, {"user_id": user_id}).first()
    return User(**row._asdict()) if row is not None else None
