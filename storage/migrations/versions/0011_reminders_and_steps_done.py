"""Reminders of a plan's deadlines and check-ins (``reminders``), kept until sent; the plan
steps citizens marked done (``steps_done``), the figures behind «time to result».

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.types import BigId, UtcDateTime

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _to_conversation(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["conversation_id"],
        ["conversations.id"],
        name=f"fk_{table}_conversation_id_conversations",
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "reminders",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("session_key", sa.String(128), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("chat_id", sa.String(64), nullable=False),
        sa.Column("conversation_id", sa.String(32), nullable=False),
        sa.Column("situation_id", sa.String(32), nullable=False),
        sa.Column("step_id", sa.String(32), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_reminders"),
        _to_conversation("reminders"),
    )
    op.create_index("ix_reminders_sweep", "reminders", ["channel", "at"])
    op.create_index("ix_reminders_plan", "reminders", ["session_key", "situation_id"])
    op.create_table(
        "steps_done",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("conversation_id", sa.String(32), nullable=False),
        sa.Column("situation_id", sa.String(32), nullable=False),
        sa.Column("step_id", sa.String(32), nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("plan_done", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_steps_done"),
        _to_conversation("steps_done"),
    )
    op.create_index("ix_steps_done_conversation_id", "steps_done", ["conversation_id"])
    op.create_index("ix_steps_done_situation_id", "steps_done", ["situation_id"])


def downgrade() -> None:
    op.drop_index("ix_steps_done_situation_id", table_name="steps_done")
    op.drop_index("ix_steps_done_conversation_id", table_name="steps_done")
    op.drop_table("steps_done")
    op.drop_index("ix_reminders_plan", table_name="reminders")
    op.drop_index("ix_reminders_sweep", table_name="reminders")
    op.drop_table("reminders")
