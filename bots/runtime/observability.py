"""What operators see: Prometheus metrics, health and readiness, structured JSON logs."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, Summary, generate_latest

from dialogs.logcontext import conversation_id
from dialogs.ports import TurnSummary

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class Metrics:
    """One registry per process (no globals): each replica is scraped on its own."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.updates = Counter("lifebot_updates", "Updates handled", ["channel"], registry=r)
        self.latency = Histogram("lifebot_handling_seconds", "Time to handle one update",
                                 ["channel"], buckets=BUCKETS, registry=r)  # fmt: skip
        self.not_understood = Counter("lifebot_not_understood", "Messages not understood",
                                      ["channel"], registry=r)  # fmt: skip
        self.did_you_mean = Counter("lifebot_did_you_mean", "«Вы имели в виду…?» prompts",
                                    ["channel"], registry=r)  # fmt: skip
        self.nlu_fallbacks = Counter("lifebot_nlu_fallbacks",
                                     "Texts the embedded model classified because Rasa was down",
                                     registry=r)  # fmt: skip
        self.surveys_started = Counter("lifebot_surveys_started", "Surveys asked", ["channel"],
                                       registry=r)  # fmt: skip
        self.survey_answers = Counter("lifebot_survey_answers", "Survey answers given",
                                      ["channel", "question"], registry=r)  # fmt: skip
        self.reminders = Counter("lifebot_reminders", "Reminders: sent into the outbox, "
                                 "stopped by the citizen, failed (the citizen blocked the bot)",
                                 ["channel", "outcome"], registry=r)  # fmt: skip
        self.csat = Summary("lifebot_csat", "CSAT answers (1-5) by situation", ["situation"],
                            registry=r)  # fmt: skip

    def turn_done(self, summary: TurnSummary) -> None:
        channel = summary.channel
        if summary.seconds is not None:
            self.updates.labels(channel).inc()
            self.latency.labels(channel).observe(summary.seconds)
        if not summary.understood:
            self.not_understood.labels(channel).inc()
        if summary.suggested:
            self.did_you_mean.labels(channel).inc()
        if summary.survey_started:
            self.surveys_started.labels(channel).inc()
        for outcome, count in summary.reminders:
            self.reminders.labels(channel, outcome).inc(count)
        for question, value in summary.answers:
            self.survey_answers.labels(channel, question).inc()
            if question == "csat" and value.isdigit():
                self.csat.labels(summary.situation_id or "none").observe(int(value))

    def nlu_fell_back(self) -> None:
        self.nlu_fallbacks.inc()

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


class JsonFormatter(logging.Formatter):
    """One JSON object a line, with the conversation the line belongs to."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if (current := conversation_id.get()) is not None:
            entry["conversation_id"] = current
        if record.exc_info:
            entry["error"] = record.exc_text or self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


_TRACEBACKS = logging.Formatter()


class Redact(logging.Filter):
    """Secrets never reach a log line, whichever library wrote it."""

    def __init__(self, secrets: Sequence[str]) -> None:
        super().__init__()
        self._secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if any(secret in message for secret in self._secrets):
            record.msg, record.args = self._hide(message), ()
        if record.exc_info and not record.exc_text:
            # The traceback too: an error page that echoes a request path holds the token.
            record.exc_text = self._hide(_TRACEBACKS.formatException(record.exc_info))
        return True

    def _hide(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text


def configure_logging(level: str, as_json: bool, secrets: Sequence[str]) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if as_json else logging.Formatter(
        "%(asctime)s %(levelname)s %(name)s: %(message)s"
    ))  # fmt: skip
    handler.addFilter(Redact(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for chatty in CHATTY:  # at DEBUG they log every request with the citizen's words
        logging.getLogger(chatty).setLevel(max(logging.INFO, root.level))


CHATTY = ("aiogram.event", "aiogram.dispatcher", "vkbottle", "aiosqlite", "asyncio")
