"""VK benchmark: simulated citizens through the Callback API handler, PostgreSQL storage, the
fake VK API. Prints figures, asserts nothing.

    python benchmarks/vk.py [CITIZENS] [CONCURRENCY]

Two processes: this one is the bot (Callback API server, engine, PostgreSQL); a child plays VK
(the fake API, and the citizens posting events). Each citizen: a deep link, the date, three
answers, every plan step, the survey. Latency is one Callback API request, from POST to «ok»,
with the bot's messages sent to the fake API inside it. Target on the 2-core reference
machine: >= 1,000 events/s, p99 <= 50 ms, zero lost answers.
"""

from __future__ import annotations

from _support import ChannelBench, main  # type: ignore[import-not-found]

from bots.testing import vk_bot

if __name__ == "__main__":
    main(ChannelBench("vk", "events", vk_bot), __file__)
