"""Personal data planted in realistic messages: none of it may survive masking."""

from __future__ import annotations

import re

import pytest

from storage.masking import mask_personal_data

# (message, the planted personal data)
CORPUS = [
    ("позвоните мне +7 (916) 123-45-67 после обеда", "916) 123-45-67"),
    ("мой номер 89161234567", "89161234567"),
    ("тел: 8 916 123 45 67", "916 123 45 67"),
    ("пишите на +79161234567 или в вк", "79161234567"),
    ("8-916-123-45-67 — это я", "916-123-45-67"),
    ("номер 8(495)123-45-67 домашний", "495)123-45-67"),
    ("+7 495 123 4567", "495 123 4567"),
    ("8 800 100 70 10 горячая линия занята", "800 100 70 10"),
    ("моб 9161234567", "9161234567"),
    ("почта ivan.petrov@mail.ru", "ivan.petrov@mail.ru"),
    ("Anna_K-1990@yandex.ru вот", "Anna_K-1990@yandex.ru"),
    ("снилс 112-233-445 95", "112-233-445 95"),
    ("СНИЛС: 11223344595", "11223344595"),
    ("снилс 112 233 445 95", "112 233 445 95"),
    ("мой инн 500100732259", "500100732259"),
    ("ИНН 7707083893 организации", "7707083893"),
    ("паспорт 45 10 123456", "123456"),
    ("паспорт серия 4510 номер 123456", "123456"),
    ("серия 45 10 № 123456 выдан", "123456"),
    ("4510123456 мой паспорт", "4510123456"),
    ("карта 4111 1111 1111 1111", "4111 1111 1111 1111"),
    ("карта 4111-1111-1111-1111", "4111-1111-1111-1111"),
    ("на карту 5555555555554444 пришло", "5555555555554444"),
    ("счёт 40817810099910004312", "40817810099910004312"),
    ("полис омс 7700001234567890 утерян", "7700001234567890"),
]


@pytest.mark.parametrize(("message", "planted"), CORPUS)
def test_planted_personal_data_does_not_survive(message: str, planted: str) -> None:
    masked = mask_personal_data(message)
    assert planted not in masked
    digits = re.sub(r"\D", "", planted)
    if len(digits) >= 7:
        assert digits not in re.sub(r"\D", "", masked)


@pytest.mark.parametrize(
    "text",
    [
        "ребёнок родился 12.03.2025, ему 3 месяца",
        "в МФЦ к 10:30, окно 5",
        "пособие до 1,5 лет, выплата 2026 года",
        "закон 143-ФЗ, статья 16",
        "третий ребёнок, 450 тысяч на ипотеку",
    ],
)
def test_ordinary_numbers_are_kept(text: str) -> None:
    assert mask_personal_data(text) == text
