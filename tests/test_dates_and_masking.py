from __future__ import annotations

import datetime as dt

import pytest

from dialogs.calendar import add_working_days
from dialogs.dates import add_months
from nlu.dates import find_date
from storage.masking import mask_personal_data

TODAY = dt.date(2026, 3, 10)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12.03.2025", dt.date(2025, 3, 12)),
        ("родился 1.2.26", dt.date(2026, 2, 1)),
        ("2025-12-31", dt.date(2025, 12, 31)),
        ("сегодня", TODAY),
        ("вчера вечером", dt.date(2026, 3, 9)),
        ("позавчера", dt.date(2026, 3, 8)),
        ("3 марта", dt.date(2026, 3, 3)),
        ("25 декабря", dt.date(2025, 12, 25)),  # a date far ahead means last year
        ("7 мая 2024", dt.date(2024, 5, 7)),
        ("31.02.2026", None),
        ("не помню", None),
        # as people write in messengers
        ("3 дня назад", dt.date(2026, 3, 7)),
        ("неделю назад", dt.date(2026, 3, 3)),
        ("2 недели назад", dt.date(2026, 2, 24)),
        ("пару дней назад", dt.date(2026, 3, 8)),
        ("месяц назад", dt.date(2026, 2, 10)),
        ("уволили в феврале", dt.date(2026, 2, 1)),
        ("в сентябре", dt.date(2025, 9, 1)),  # the latest September that has been
        ("15-го февраля", dt.date(2026, 2, 15)),
        ("пятнадцатого февраля", dt.date(2026, 2, 15)),
        ("двадцать третьего февраля", dt.date(2026, 2, 23)),
        ("жена родила 3 дня назад, второй ребенок", dt.date(2026, 3, 7)),
        ("в прошлую пятницу", dt.date(2026, 3, 6)),  # what the own rules miss: dateparser
        ("уволили на прошлой неделе", dt.date(2026, 3, 2)),  # its Monday: never too late
        ("в прошлом месяце", dt.date(2026, 2, 1)),
        ("летим в турцию с ребенком 5 лет", None),
        ("жена в декрете", None),  # «дек…» is not always December
    ],
)
def test_dates_are_found_as_people_write_them(text: str, expected: dt.date | None) -> None:
    found = find_date(text, TODAY)
    assert (found[0] if found else None) == expected


def test_working_days_follow_the_russian_production_calendar() -> None:
    # 14 working days after 25 December 2026 skip the New Year holidays (1–8 January 2027).
    assert add_working_days(dt.date(2026, 12, 25), 14) == dt.date(2027, 1, 25)
    # 30 April 2026 + 3 working days: 1 May (holiday) and the weekend do not count.
    assert add_working_days(dt.date(2026, 4, 30), 3) == dt.date(2026, 5, 6)
    # 31 December 2026 is a day off by transfer.
    assert add_working_days(dt.date(2026, 12, 30), 1) == dt.date(2027, 1, 11)


def test_add_months_clamps_to_the_month_end() -> None:
    assert add_months(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)
    assert add_months(dt.date(2024, 1, 31), 1) == dt.date(2024, 2, 29)
    assert add_months(dt.date(2026, 11, 15), 6) == dt.date(2027, 5, 15)


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("звоните +7 (916) 123-45-67", "123-45-67"),
        ("мой номер 89161234567", "89161234567"),
        ("тел 8 916 123 45 67", "123 45 67"),
        ("почта ivan.petrov@mail.ru", "ivan.petrov@mail.ru"),
        ("снилс 112-233-445 95", "112-233-445 95"),
        ("инн 500100732259", "500100732259"),
        ("паспорт 45 10 123456", "123456"),
        ("карта 4111 1111 1111 1111", "1111 1111"),
        ("карта 4111-1111-1111-1111", "1111-1111"),
    ],
)
def test_personal_data_is_masked(text: str, secret: str) -> None:
    masked = mask_personal_data(text)
    assert secret not in masked
    assert "[" in masked


def test_ordinary_text_and_dates_are_kept() -> None:
    text = "ребёнок родился 12.03.2025, нам 3 месяца, в МФЦ к 10:30"
    assert mask_personal_data(text) == text
