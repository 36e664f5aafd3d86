"""An index on messages.at: retention deletes old texts by it, hourly, in every replica.

On PostgreSQL the index is built CONCURRENTLY (outside the migration's transaction), so that
the bots keep writing messages while a large table is indexed.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.get_context().autocommit_block():
        op.create_index("ix_messages_at", "messages", ["at"], postgresql_concurrently=True)


def downgrade() -> None:
    with op.get_context().autocommit_block():
        op.drop_index("ix_messages_at", table_name="messages", postgresql_concurrently=True)
