from __future__ import annotations

import datetime as dt

import pytest

from dialogs.dates import add_months, parse_date
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
    ],
)
def test_parse_date(text: str, expected: dt.date | None) -> None:
    assert parse_date(text, TODAY) == expected


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
