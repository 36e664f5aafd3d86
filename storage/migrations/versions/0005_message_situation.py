"""The situation a citizen was in when they wrote a message: editors' gaps per situation.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("messages", sa.Column("situation_id", sa.String(32), nullable=True))


def downgrade() -> None:
    op.drop_column("messages", "situation_id")
