"""API state in SQL (SQLite by default, PostgreSQL via DATABASE_URL): users, tokens, videos."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    Boolean,
    Connection,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    create_engine,
    event,
)
from sqlalchemy import Enum as SqlEnum
from sqlalchemy.engine import Dialect, Engine, make_url
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from ulid import ULID

from reelhouse.config import Settings
from reelhouse.records import VideoStatus, Visibility

ROLES = ("admin", "user")


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    """A ULID string: sortable by creation time, safe to use in object keys."""
    return str(ULID())


def _words(kind: type[StrEnum]) -> SqlEnum:
    """A column of an enum's words: VARCHAR(16) holding the values (no database enum type
    to migrate, the same column earlier versions made), read back as members."""
    return SqlEnum(kind, native_enum=False, length=16, validate_strings=True,
                   values_callable=lambda members: [m.value for m in members])


class UtcDateTime(TypeDecorator[datetime]):
    """A moment stored in UTC that reads back timezone-aware on every database."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return value.astimezone(UTC) if value is not None and value.tzinfo else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        # SQLite keeps no offset: without this, API answers carry timestamps with no zone.
        return value.replace(tzinfo=UTC) if value is not None and not value.tzinfo else value


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UtcDateTime()}


class User(Base):
    """A person or service account that signs in; passwords are argon2 hashes."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16), default="user")
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ApiToken(Base):
    """An API token: only its SHA-256 is stored; the id is the token's public prefix."""

    __tablename__ = "api_tokens"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)


class Video(Base):
    """A video as users see it: its metadata, owner, visibility and processing status."""

    __tablename__ = "videos"
    id: Mapped[str] = mapped_column(String(26), primary_key=True, default=new_id)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    visibility: Mapped[Visibility] = mapped_column(_words(Visibility),
                                                   default=Visibility.PRIVATE)
    status: Mapped[VideoStatus] = mapped_column(_words(VideoStatus),
                                                default=VideoStatus.UPLOADING, index=True)
    failure_reason: Mapped[str] = mapped_column(Text, default="")
    filename: Mapped[str] = mapped_column(String(255), default="")
    content_type: Mapped[str] = mapped_column(String(100), default="application/octet-stream")
    source_size: Mapped[int] = mapped_column(BigInteger, default=0)
    source_sha256: Mapped[str] = mapped_column(String(64), default="")
    # Bumped at each completed upload: the pipeline's run key is (id, upload_version).
    upload_version: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    uploaded_at: Mapped[datetime | None] = mapped_column(default=None)
    # The media version players are served (keys.version_prefix); None until the first
    # processing is playable. The one it replaced stays a grace period for players still on
    # it (retired_at), then the sweeper removes it.
    media_version: Mapped[str | None] = mapped_column(String(26), default=None)
    retired_version: Mapped[str | None] = mapped_column(String(26), default=None)
    retired_at: Mapped[datetime | None] = mapped_column(default=None)


class UploadState(StrEnum):
    """Where an upload session stands; complete and abort each claim it from `open` first,
    so they never run on one upload at once (area: uploads)."""

    OPEN = "open"
    COMPLETING = "completing"
    ABORTING = "aborting"


class UploadSession(Base):
    """A multipart (or single PUT) upload in flight for one video."""

    __tablename__ = "upload_sessions"
    video_id: Mapped[str] = mapped_column(ForeignKey("videos.id"), primary_key=True)
    key: Mapped[str] = mapped_column(String(200))
    upload_id: Mapped[str | None] = mapped_column(String(1024), default=None)
    part_size: Mapped[int] = mapped_column(BigInteger)
    part_count: Mapped[int] = mapped_column(Integer)
    declared_size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    state: Mapped[UploadState] = mapped_column(_words(UploadState), default=UploadState.OPEN,
                                               server_default=UploadState.OPEN.value)
    # The last time the API signed URLs for it or moved its state; the sweeper aborts an
    # upload untouched for `upload_expiry_s`. NULL on sessions from before the column.
    touched_at: Mapped[datetime | None] = mapped_column(default=utcnow)


class UploadPartChecksum(Base):
    """The SHA-256 (base64, as S3 wants it) a client declared for one part of an upload."""

    __tablename__ = "upload_part_checksums"
    video_id: Mapped[str] = mapped_column(
        ForeignKey("upload_sessions.video_id", ondelete="CASCADE"), primary_key=True)
    part_number: Mapped[int] = mapped_column(Integer, primary_key=True)
    sha256_b64: Mapped[str] = mapped_column(String(44))


class VideoProgress(Base):
    """How far the pipeline has got with a video it is processing (the transcode's percent).

    A table of its own rather than a column on `videos`: databases made before it gained it
    from `create_all`, which is why the first migration creates only missing tables.
    """

    __tablename__ = "video_progress"
    video_id: Mapped[str] = mapped_column(ForeignKey("videos.id", ondelete="CASCADE"),
                                          primary_key=True)
    percent: Mapped[float] = mapped_column(default=0.0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class MediaBuild(Base):
    """How far one media version has been published while it is encoded: the API renders
    its playlists from this row until `complete` (area: issue 12, progressive publishing).

    Every change only adds: a chunk's mark in `done` is set once and never cleared, so the
    contiguous prefix `video_segments` only grows, and `audio_durations` is only appended to.
    """

    __tablename__ = "media_builds"
    video_id: Mapped[str] = mapped_column(ForeignKey("videos.id", ondelete="CASCADE"),
                                          primary_key=True)
    version: Mapped[str] = mapped_column(String(26), primary_key=True)
    # reelhouse.media.event_playlist.Layout as JSON, fixed when the build begins.
    layout: Mapped[str] = mapped_column(Text)
    # One character per chunk, "1" once its segments of every rung are stored.
    done: Mapped[str] = mapped_column(Text)
    video_segments: Mapped[int] = mapped_column(Integer, default=0)
    # A JSON list: the seconds of each audio segment stored so far, in order.
    audio_durations: Mapped[str] = mapped_column(Text, default="[]")
    complete: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class RateEvent(Base):
    """One counted event (a sign-in attempt) in a named rate-limit bucket."""

    __tablename__ = "rate_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bucket: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    __table_args__ = (Index("ix_rate_events_bucket_at", "bucket", "at"),)


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    # WAL + a busy timeout: the API, the Dagster runs and the CLI write the same file.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


# The API's worker threads (anyio's default limit) each hold a connection at most.
_SQLITE_POOL_SIZE = 40
# Per process, against a server: API workers on several hosts share its max_connections
# (PostgreSQL's default 100), and a request waits at most this long for a connection.
_SERVER_POOL = {"pool_size": 8, "max_overflow": 8, "pool_timeout": 10, "pool_recycle": 1800}


def _pool_options(url: str) -> dict[str, object]:
    """A pool per kind of database: a file SQLite keeps a connection per API worker thread
    (opening one runs three PRAGMAs, and there is no server to ping); a server database gets
    a bounded pool of pinged connections, since the server may have closed them, and a
    connect timeout, so requests fail fast while it is away rather than hang."""
    if url.startswith("sqlite:///") and ":memory:" not in url:
        return {"pool_size": _SQLITE_POOL_SIZE, "max_overflow": 8, "pool_pre_ping": False}
    if url.startswith("sqlite"):
        return {"pool_pre_ping": True}
    options: dict[str, object] = {**_SERVER_POOL, "pool_pre_ping": True}
    if make_url(url).get_driver_name() in ("psycopg", "psycopg2"):
        options["connect_args"] = {"connect_timeout": 5}
    return options


def engine_url(url: str) -> str:
    """The URL with PostgreSQL's driver made psycopg 3 when none is named: `postgresql://`
    and `postgres://` (as many hosts hand them out) would otherwise ask for psycopg2."""
    scheme, sep, rest = url.partition("://")
    return f"postgresql+psycopg{sep}{rest}" if scheme in ("postgresql", "postgres") else url


class Database:
    """An engine and session factory for the API database; `upgrade` migrates its schema."""

    def __init__(self, settings: Settings) -> None:
        url = engine_url(settings.db_url)
        if url.startswith("sqlite:///"):
            from pathlib import Path

            from reelhouse.private import private_file

            path = Path(url.removeprefix("sqlite:///"))
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            # Password hashes and token digests: SQLite gives its -wal and -shm files the
            # database file's mode, so all three stay owner-only.
            private_file(path)
        self.engine: Engine = create_engine(url, **_pool_options(url))
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    def upgrade(self) -> None:
        """Bring the schema to the newest revision (reelhouse.migrations); safe to repeat."""
        from reelhouse import migrations

        migrations.upgrade(self.engine)

    @property
    def local(self) -> bool:
        """A SQLite file on this machine: a read takes microseconds and never waits on a
        network, so the API runs its hot reads inline instead of hopping to a thread."""
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def reader(self) -> Iterator[Connection]:
        """A connection for reads with prebuilt statements: no ORM session, nothing committed."""
        with self.engine.connect() as connection:
            yield connection

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session committed on success and rolled back on error."""
        with self._sessions() as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise
