"""MAX benchmark: simulated citizens through the webhook handler, PostgreSQL storage, the fake
MAX Bot API. Prints figures, asserts nothing.

    python benchmarks/max.py [CITIZENS] [CONCURRENCY]

Two processes: this one is the bot (webhook server, engine, PostgreSQL); a child plays MAX (the
fake API, and the citizens posting updates). Each citizen: a deep link, the date, three answers,
every plan step, the survey. Latency is one webhook request, from POST to 200, with the bot's
messages and button answers sent to the fake API inside it. The pause between messages into one
dialog is off here (as in the Telegram and VK benchmarks, which have none), so the figures
measure the bot, not the pacing.
"""

from __future__ import annotations

from _support import ChannelBench, main  # type: ignore[import-not-found]

from bots.testing import max_bot

if __name__ == "__main__":
    main(ChannelBench("max", "updates", max_bot), __file__)
