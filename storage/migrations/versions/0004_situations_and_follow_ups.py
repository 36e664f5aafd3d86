"""Every situation a conversation touched, and the follow-up question a message asked.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ALTER TABLE (SQLite 3.35+ and PostgreSQL): the analytics views stay in place.
    op.add_column("conversations", sa.Column("situations", sa.String(400), nullable=True))
    op.add_column("messages", sa.Column("follow_up", sa.String(64), nullable=True))
    op.create_index("ix_messages_follow_up", "messages", ["follow_up"])


def downgrade() -> None:
    op.drop_index("ix_messages_follow_up", table_name="messages")
    op.drop_column("messages", "follow_up")
    op.drop_column("conversations", "situations")
