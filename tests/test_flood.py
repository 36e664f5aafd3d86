from __future__ import annotations

from bots.shared.flood import MemoryFloodControl


async def test_a_citizen_over_the_rate_waits_then_is_dropped_with_one_warning() -> None:
    now = [0.0]
    flood = MemoryFloodControl(rate=2, burst=3, max_wait=1.0, clock=lambda: now[0])
    decisions = [await flood.admit("vk", "1") for _ in range(8)]
    assert [d.wait for d in decisions[:5]] == [0.0, 0.0, 0.0, 0.5, 1.0]
    assert [d.drop for d in decisions[5:]] == [True, True, True]
    assert [d.warn for d in decisions[5:]] == [True, False, False]
    assert (await flood.admit("vk", "2")).wait == 0.0  # someone else is not affected
    now[0] = 10.0  # after a pause the citizen is welcome again
    assert (await flood.admit("vk", "1")).wait == 0.0
