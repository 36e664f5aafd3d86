"""Views for BI tools (Metabase, Superset, DataLens): one row per conversation, and weekly
satisfaction by situation. Columns are documented with COMMENT ON in PostgreSQL and in the
README (For analysts).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

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
LEFT JOIN survey_answers a_csat ON a_csat.conversation_id = c.id AND a_csat.question = 'csat'
LEFT JOIN survey_answers a_effort
    ON a_effort.conversation_id = c.id AND a_effort.question = 'effort'
LEFT JOIN survey_answers a_answered
    ON a_answered.conversation_id = c.id AND a_answered.question = 'answered'
LEFT JOIN survey_answers a_comment
    ON a_comment.conversation_id = c.id AND a_comment.question = 'comment'
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
    op.execute(CONVERSATIONS.format(duration=duration))
    op.execute(BY_WEEK.format(week=week))
    if postgres:
        for target, text in COMMENTS.items():
            kind = "COLUMN" if "." in target else "VIEW"
            op.execute(f"COMMENT ON {kind} {target} IS '{text}'")


def downgrade() -> None:
    op.execute("DROP VIEW IF EXISTS analytics_satisfaction_by_situation_week")
    op.execute("DROP VIEW IF EXISTS analytics_conversations")
