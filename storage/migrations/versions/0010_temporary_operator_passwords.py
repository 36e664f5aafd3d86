"""An operator's password the desk issued is temporary (``operators.password_is_temporary``):
the operator must choose their own before the desk's pages open. Existing operators keep the
passwords they have (false).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-16
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("operators") as batch:
        batch.add_column(
            sa.Column(
                "password_is_temporary", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("operators") as batch:
        batch.drop_column("password_is_temporary")
