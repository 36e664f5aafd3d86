"""Processed updates (each handled once) and the «citizen blocked the bot» mark.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.types import UtcDateTime

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "processed_events",
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("channel", "event_id", name="pk_processed_events"),
    )
    op.create_index("ix_processed_events_at", "processed_events", ["at"])
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(sa.Column("citizen_blocked_at", UtcDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("conversations") as batch:
        batch.drop_column("citizen_blocked_at")
    op.drop_index("ix_processed_events_at", table_name="processed_events")
    op.drop_table("processed_events")
