"""The schema `create_all` made before migrations: users, tokens, videos, uploads, progress,
rate events.

The tables are frozen here (not imported from reelhouse.db, which moves on) and each is
created only when missing, so a database made by `create_all` (no alembic_version, and from
before video_progress perhaps without that table) is adopted in place with its rows.
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _schema() -> sa.MetaData:
    metadata = sa.MetaData()
    moment = sa.DateTime(timezone=True)
    sa.Table(
        "users", metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("disabled", sa.Boolean, nullable=False),
        sa.Column("created_at", moment, nullable=False),
        sa.Index("ix_users_username", "username", unique=True))
    sa.Table(
        "api_tokens", metadata,
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("secret_hash", sa.String(64), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("created_at", moment, nullable=False),
        sa.Column("expires_at", moment, nullable=False),
        sa.Column("revoked_at", moment, nullable=True),
        sa.Index("ix_api_tokens_user_id", "user_id"))
    sa.Table(
        "videos", metadata,
        sa.Column("id", sa.String(26), primary_key=True),
        sa.Column("owner_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("visibility", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("failure_reason", sa.Text, nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("content_type", sa.String(100), nullable=False),
        sa.Column("source_size", sa.BigInteger, nullable=False),
        sa.Column("source_sha256", sa.String(64), nullable=False),
        sa.Column("upload_version", sa.Integer, nullable=False),
        sa.Column("created_at", moment, nullable=False),
        sa.Column("updated_at", moment, nullable=False),
        sa.Column("uploaded_at", moment, nullable=True),
        sa.Index("ix_videos_owner_id", "owner_id"),
        sa.Index("ix_videos_status", "status"))
    sa.Table(
        "upload_sessions", metadata,
        sa.Column("video_id", sa.String(26), sa.ForeignKey("videos.id"), primary_key=True),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("upload_id", sa.String(1024), nullable=True),
        sa.Column("part_size", sa.BigInteger, nullable=False),
        sa.Column("part_count", sa.Integer, nullable=False),
        sa.Column("declared_size", sa.BigInteger, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("created_at", moment, nullable=False))
    sa.Table(
        "upload_part_checksums", metadata,
        sa.Column("video_id", sa.String(26),
                  sa.ForeignKey("upload_sessions.video_id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("part_number", sa.Integer, primary_key=True),
        sa.Column("sha256_b64", sa.String(44), nullable=False))
    sa.Table(
        "video_progress", metadata,
        sa.Column("video_id", sa.String(26), sa.ForeignKey("videos.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("percent", sa.Double, nullable=False),
        sa.Column("updated_at", moment, nullable=False))
    sa.Table(
        "rate_events", metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("bucket", sa.String(200), nullable=False),
        sa.Column("at", moment, nullable=False),
        sa.Index("ix_rate_events_bucket_at", "bucket", "at"))
    return metadata


def upgrade() -> None:
    _schema().create_all(op.get_bind(), checkfirst=True)


def downgrade() -> None:
    _schema().drop_all(op.get_bind())
