"""Masking benchmark: prints figures, asserts nothing.

    python benchmarks/masking.py

Figures: the time to mask a realistic 4,096- and 16,384-character message (warm: the words'
readings cached, as in a running bot; cold: every word looked up afresh), the per-character
ratio between the two (about 1 when the cost is linear), and 100 KB adversarial texts of digits,
separators, «@» and street words, masked whole (``mask_uncut``) and as stored (cut to 16,384).
Target on the 2-core reference machine: a 4,096-character message in under 5 ms.
"""

from __future__ import annotations

import datetime as dt
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from storage.masking import mask_personal_data, mask_uncut  # noqa: E402
from storage.masking.names import word  # noqa: E402

TODAY = dt.date(2026, 3, 10)
SENTENCES = [
    "Здравствуйте, подскажите пожалуйста какие документы нужны на загранник ребенку 5 лет.",
    "Меня зовут Иванова Анна Сергеевна, звоните +7 (912) 345-67-89 после обеда.",
    "ребенок родился 12.03.2025, в мфц на улице ленина сказали ждать 10 дней",
    "живу ул. Садовая 5 кв 3, индекс 420111, почта ivan.petrov собака mail ru",
    "сколько платят пособие до 1.5 лет если зарплата 45 000 рублей в месяц?",
    "снилс 112-233-445 95, инн 500100732259, карта 4111 1111 1111 1111 для выплаты",
    "а если я не успею подать заявление за 10 дней, что будет? номер заявления 12345",
    "Роман подал заявление на вычет за лечение, ндфл 13%, вернут ли за 2025 год?",
    "муж уволился 01.03.2026, алименты на 3 ребенка, как быть с 1 января 2026",
    "пишите в телегу @ivan_petrov или vk.com/id12345, дата рождения 1985-03-12",
]


def message(length: int) -> str:
    text, index = "", 0
    while len(text) < length:
        text += SENTENCES[index % len(SENTENCES)] + " "
        index += 1
    return text[:length]


def timed(
    action: Callable[[], object], runs: int, before: Callable[[], None] | None = None
) -> float:
    """Median seconds of ``runs`` calls; ``before`` runs untimed ahead of each one."""
    times = []
    for _ in range(runs):
        if before:
            before()
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    start = time.perf_counter()
    mask_personal_data("Иванов Пётр", TODAY)
    print(
        f"first call (loads pymorphy3's dictionary): {(time.perf_counter() - start) * 1e3:.0f} ms"
    )
    per_char = {}
    for length in (4096, 16384):
        text = message(length)
        warm = timed(lambda text=text: mask_personal_data(text, TODAY), 50)
        cold = timed(lambda text=text: mask_personal_data(text, TODAY), 10, word.cache_clear)
        per_char[length] = warm / length
        print(f"{length:>6} chars realistic: warm {warm * 1e3:6.2f} ms, "
              f"cold words {cold * 1e3:6.2f} ms")  # fmt: skip
    print(f"per-character time 16 K / 4 K: {per_char[16384] / per_char[4096]:.2f} (1 = linear)")
    adversarial = {
        '"1-" * 50000': "1-" * 50000,
        '"a@" * 50000': "a@" * 50000,
        '"ул " * 30000': "ул " * 30000,
        '"8 " * 50000': "8 " * 50000,
        '"a." * 50000': "a." * 50000,
        '"д. 1 " * 20000': "д. 1 " * 20000,
        '"Иван " * 20000': "Иван " * 20000,
        '"1" * 100000': "1" * 100000,
    }
    for name, text in adversarial.items():
        whole = timed(lambda text=text: mask_uncut(text, TODAY), 3)
        stored = timed(lambda text=text: mask_personal_data(text, TODAY), 3)
        print(f"{name:>18} ({len(text) // 1000} KB): whole {whole * 1e3:7.1f} ms, "
              f"cut to 16 K {stored * 1e3:6.1f} ms")  # fmt: skip


if __name__ == "__main__":
    main()
