"""Telegram benchmark: simulated citizens through the webhook handler, PostgreSQL storage,
the fake Bot API. Prints figures, asserts nothing.

    python benchmarks/telegram.py [CITIZENS] [CONCURRENCY]

Two processes, as in production: this one is the bot (webhook server, engine, PostgreSQL);
a child process plays Telegram (the fake Bot API, and the citizens posting updates to the
webhook). Each citizen: /start with a deep link, the date, three answers, every plan step, the
survey (CSAT, effort, «answered?», a comment). Latency is one webhook request, from POST to the
response, with the bot's replies sent to the fake Bot API inside it. Target on the 2-core
reference machine: >= 1,000 updates/s, p99 <= 50 ms, zero lost answers.
"""

from __future__ import annotations

from _support import ChannelBench, main  # type: ignore[import-not-found]

from bots.testing import telegram_bot

if __name__ == "__main__":
    main(ChannelBench("telegram", "updates", telegram_bot), __file__)
