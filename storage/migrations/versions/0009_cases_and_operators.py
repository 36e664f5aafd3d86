"""Cases handed to operators, their lines, operator accounts, API tokens and desk sessions;
survey answers about an operator's help (``case_id``).

A conversation may now have answers about the assistant and, per case, about an operator: the
one-answer-per-question key becomes two partial unique indexes, and the analytics views read
only the answers about the assistant (they are recreated: SQLite rebuilds the table).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-09
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.types import BigId, UtcDateTime

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ABOUT_ASSISTANT = sa.text("case_id IS NULL")
ABOUT_OPERATOR = sa.text("case_id IS NOT NULL")
QUESTIONS = ("csat", "effort", "answered", "comment")

CONVERSATIONS = """
CREATE VIEW analytics_conversations AS
SELECT
    c.id AS conversation_id,
    substr(z.pseudonym, 1, 16) AS citizen,
    c.channel,
    c.situation_id AS situation,
    c.category_id AS category,
    c.started_at,
    c.ended_at,
    {duration} AS duration_seconds,
    c.actions,
    c.not_understood,
    c.end_reason,
    c.human_requested,
    c.last_step_id,
    c.citizen_blocked_at IS NOT NULL AS citizen_blocked,
    CAST(a_csat.value AS INTEGER) AS csat,
    CAST(a_effort.value AS INTEGER) AS effort,
    CASE a_answered.value WHEN 'yes' THEN 'да' WHEN 'partly' THEN 'частично'
        WHEN 'no' THEN 'нет' END AS answered,
    a_comment.value AS comment,
    (a_csat.id IS NOT NULL OR a_effort.id IS NOT NULL OR a_answered.id IS NOT NULL
        OR a_comment.id IS NOT NULL) AS surveyed
FROM conversations c
LEFT JOIN citizens z ON z.id = c.citizen_id
{answers}
"""

BY_WEEK = """
CREATE VIEW analytics_satisfaction_by_situation_week AS
SELECT
    {week} AS week_start,
    situation,
    COUNT(*) AS conversations,
    COUNT(csat) AS csat_answers,
    AVG(csat) AS csat_mean,
    AVG(effort) AS effort_mean,
    SUM(CASE WHEN answered = 'да' THEN 1 ELSE 0 END) AS answered_yes,
    SUM(CASE WHEN answered = 'частично' THEN 1 ELSE 0 END) AS answered_partly,
    SUM(CASE WHEN answered = 'нет' THEN 1 ELSE 0 END) AS answered_no,
    SUM(CASE WHEN surveyed THEN 1 ELSE 0 END) AS surveyed
FROM analytics_conversations
GROUP BY 1, 2
"""

COMMENTS = {
    "analytics_conversations": "One row per conversation with its metrics and survey answers",
    "analytics_conversations.citizen": "Pseudonymous citizen: keyed hash, never the channel id",
    "analytics_conversations.duration_seconds": "From the first message to how it ended",
    "analytics_conversations.actions": "Citizen actions (messages and presses, not survey)",
    "analytics_conversations.not_understood": "Messages the assistant did not understand",
    "analytics_conversations.end_reason": "plan_finished, farewell, idle or restart",
    "analytics_conversations.last_step_id": "The plan step shown last",
    "analytics_conversations.csat": "How satisfied, 1-5",
    "analytics_conversations.effort": "How easy it was, 1-5",
    "analytics_conversations.answered": "Was the question answered: да, частично, нет",
    "analytics_conversations.comment": "Free comment, personal data masked",
    "analytics_satisfaction_by_situation_week": "Weekly satisfaction per situation",
    "analytics_satisfaction_by_situation_week.week_start": "Monday of the week (UTC)",
    "analytics_satisfaction_by_situation_week.csat_answers": "CSAT answers behind the mean",
}


def upgrade() -> None:
    _drop_views()
    _create_operators()
    _create_cases()
    with op.batch_alter_table("survey_answers") as batch:
        batch.add_column(sa.Column("case_id", sa.String(32), nullable=True))
        batch.drop_constraint("uq_survey_answers_conversation_id", type_="unique")
    op.create_index(
        "uq_survey_answers_conversation_question", "survey_answers",
        ["conversation_id", "question"], unique=True,
        sqlite_where=ABOUT_ASSISTANT, postgresql_where=ABOUT_ASSISTANT,
    )  # fmt: skip
    op.create_index(
        "uq_survey_answers_case_question", "survey_answers", ["case_id", "question"],
        unique=True, sqlite_where=ABOUT_OPERATOR, postgresql_where=ABOUT_OPERATOR,
    )  # fmt: skip
    _create_views(only_assistant=True)


def _create_operators() -> None:
    op.create_table(
        "operators",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_operators"),
    )
    op.create_table(
        "operator_tokens",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("operator", sa.String(64), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("token_hash", name="pk_operator_tokens"),
        sa.ForeignKeyConstraint(
            ["operator"],
            ["operators.name"],
            name="fk_operator_tokens_operator_operators",
            ondelete="CASCADE",
        ),
    )
    op.create_table(
        "desk_sessions",
        sa.Column("session_hash", sa.String(64), nullable=False),
        sa.Column("operator", sa.String(64), nullable=False),
        sa.Column("csrf", sa.String(64), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("session_hash", name="pk_desk_sessions"),
        sa.ForeignKeyConstraint(
            ["operator"],
            ["operators.name"],
            name="fk_desk_sessions_operator_operators",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_desk_sessions_expires_at", "desk_sessions", ["expires_at"])


def _create_cases() -> None:
    op.create_table(
        "cases",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("conversation_id", sa.String(32), nullable=False),
        sa.Column("session_key", sa.String(128), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("chat_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("situation_id", sa.String(32), nullable=True),
        sa.Column("step_title", sa.Text(), nullable=True),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("answers", sa.Text(), nullable=False),
        sa.Column("off_hours", sa.Boolean(), nullable=False),
        sa.Column("opened_at", UtcDateTime(), nullable=False),
        sa.Column("claimed_at", UtcDateTime(), nullable=True),
        sa.Column("closed_at", UtcDateTime(), nullable=True),
        sa.Column("operator", sa.String(64), nullable=True),
        sa.Column("resolution", sa.String(16), nullable=True),
        sa.Column("citizen_blocked_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_cases"),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name="fk_cases_conversation_id_conversations",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_cases_conversation_id", "cases", ["conversation_id"])
    op.create_index("ix_cases_queue", "cases", ["status", "opened_at"])
    op.create_index("ix_cases_claimed_at", "cases", ["claimed_at"])
    op.create_table(
        "case_lines",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.String(32), nullable=False),
        sa.Column("author", sa.String(16), nullable=False),
        sa.Column("operator", sa.String(64), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_case_lines"),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name="fk_case_lines_case_id_cases", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_case_lines_case", "case_lines", ["case_id", "id"])
    op.create_index("ix_case_lines_at", "case_lines", ["at"])


def _drop_views() -> None:
    op.execute("DROP VIEW IF EXISTS analytics_satisfaction_by_situation_week")
    op.execute("DROP VIEW IF EXISTS analytics_conversations")


def _create_views(*, only_assistant: bool) -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    duration = (
        "EXTRACT(EPOCH FROM (c.ended_at - c.started_at))"
        if postgres
        else "(julianday(c.ended_at) - julianday(c.started_at)) * 86400.0"
    )
    week = (
        "CAST(date_trunc('week', started_at AT TIME ZONE 'UTC') AS DATE)"
        if postgres
        else "date(started_at, 'weekday 0', '-6 days')"
    )
    answers = "\n".join(_answer_join(q, only_assistant) for q in QUESTIONS)
    op.execute(CONVERSATIONS.format(duration=duration, answers=answers))
    op.execute(BY_WEEK.format(week=week))
    if postgres:
        for target, text in COMMENTS.items():
            kind = "COLUMN" if "." in target else "VIEW"
            op.execute(f"COMMENT ON {kind} {target} IS '{text}'")


def _answer_join(question: str, only_assistant: bool) -> str:
    alias = f"a_{question}"
    about = f" AND {alias}.case_id IS NULL" if only_assistant else ""
    return (
        f"LEFT JOIN survey_answers {alias}\n"
        f"    ON {alias}.conversation_id = c.id AND {alias}.question = '{question}'{about}"
    )


def downgrade() -> None:
    _drop_views()
    # Answers about operators cannot keep their place under one answer per conversation.
    op.execute("DELETE FROM survey_answers WHERE case_id IS NOT NULL")
    op.drop_index("uq_survey_answers_case_question", table_name="survey_answers")
    op.drop_index("uq_survey_answers_conversation_question", table_name="survey_answers")
    with op.batch_alter_table("survey_answers") as batch:
        batch.drop_column("case_id")
        batch.create_unique_constraint(
            "uq_survey_answers_conversation_id", ["conversation_id", "question"]
        )
    op.drop_index("ix_case_lines_at", table_name="case_lines")
    op.drop_index("ix_case_lines_case", table_name="case_lines")
    op.drop_table("case_lines")
    for index in ("ix_cases_claimed_at", "ix_cases_queue", "ix_cases_conversation_id"):
        op.drop_index(index, table_name="cases")
    op.drop_table("cases")
    op.drop_index("ix_desk_sessions_expires_at", table_name="desk_sessions")
    op.drop_table("desk_sessions")
    op.drop_table("operator_tokens")
    op.drop_table("operators")
    _create_views(only_assistant=False)
