"""Upload sessions gain a state (open, completing, aborting), claimed atomically by complete
and abort, and the moment they were last touched, for the sweeper (area: uploads)."""

from typing import Literal

import sqlalchemy as sa
from alembic import op

revision = "0002_uploads"
down_revision = "0001"
branch_labels = None
depends_on = None


def _recreate() -> Literal["always", "auto"]:
    # SQLite: copy the table, so it reads as create_all writes it (an ADD COLUMN would land
    # after the constraints); elsewhere a plain ALTER (PostgreSQL cannot drop the key the
    # part checksums reference).
    return "always" if op.get_bind().dialect.name == "sqlite" else "auto"


_CHECKSUMS = sa.table("upload_part_checksums", sa.column("video_id"), sa.column("part_number"),
                      sa.column("sha256_b64"))


def upgrade() -> None:
    # SQLite's copy drops the old table, and with foreign keys on that cascades to the part
    # checksums of uploads in flight: keep them across it.
    bind = op.get_bind()
    kept = [dict(row._mapping) for row in bind.execute(sa.select(_CHECKSUMS))]
    with op.batch_alter_table("upload_sessions", recreate=_recreate()) as batch:
        batch.add_column(sa.Column("state", sa.String(16), nullable=False,
                                   server_default="open"))
        batch.add_column(sa.Column("touched_at", sa.DateTime(timezone=True), nullable=True))
    if kept and not bind.execute(sa.select(sa.func.count()).select_from(_CHECKSUMS)).scalar():
        bind.execute(_CHECKSUMS.insert(), kept)


def downgrade() -> None:
    with op.batch_alter_table("upload_sessions", recreate=_recreate()) as batch:
        batch.drop_column("touched_at")
        batch.drop_column("state")
