"""Media builds: how far each media version being encoded is published, so the API can serve
its playlists while it grows (area: issue 12, progressive publishing)."""

import sqlalchemy as sa
from alembic import op

revision = "0004_events"
down_revision = "0003_versions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "media_builds",
        sa.Column("video_id", sa.String(26), sa.ForeignKey("videos.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("version", sa.String(26), nullable=False),
        sa.Column("layout", sa.Text, nullable=False),
        sa.Column("done", sa.Text, nullable=False),
        sa.Column("video_segments", sa.Integer, nullable=False),
        sa.Column("audio_durations", sa.Text, nullable=False),
        sa.Column("complete", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("video_id", "version"))


def downgrade() -> None:
    op.drop_table("media_builds")
