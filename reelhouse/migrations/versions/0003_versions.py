"""Versioned media: the live media version of each video and the one it replaced.

Videos processed before this revision have their media under `media/{id}/hls/` (no version)
and no live version, which no player can be pointed at: they go back to `uploaded` with a
new upload version, so the uploads sensor reprocesses each of them into a version once the
stack runs (the sweeper then removes the unversioned media).
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_versions"
down_revision = "0002_uploads"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("videos") as batch:
        batch.add_column(sa.Column("media_version", sa.String(26), nullable=True))
        batch.add_column(sa.Column("retired_version", sa.String(26), nullable=True))
        batch.add_column(sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE videos SET status = 'uploaded', upload_version = upload_version + 1 "
               "WHERE status = 'ready'")


def downgrade() -> None:
    with op.batch_alter_table("videos") as batch:
        batch.drop_column("retired_at")
        batch.drop_column("retired_version")
        batch.drop_column("media_version")
