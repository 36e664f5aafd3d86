"""Pydantic validation errors rewritten for content editors, in Russian."""

from __future__ import annotations

from pydantic import ValidationError
from pydantic_core import ErrorDetails

_MESSAGES = {
    "missing": "поле обязательно, но его нет",
    "extra_forbidden": "такого поля нет в схеме (опечатка?)",
    "string_type": "ожидается текст (если в тексте есть «: », возьмите его в кавычки)",
    "string_too_short": "текст не должен быть пустым",
    "string_too_long": "текст слишком длинный (не больше {max_length} символов)",
    "string_pattern_mismatch": "код может содержать только латинские строчные буквы, цифры и _",
    "int_parsing": "ожидается целое число",
    "int_type": "ожидается целое число",
    "greater_than_equal": "число должно быть не меньше {ge}",
    "greater_than": "число должно быть больше {gt}",
    "less_than_equal": "число должно быть не больше {le}",
    "less_than": "число должно быть меньше {lt}",
    "float_parsing": "ожидается число (дробная часть — через точку)",
    "float_type": "ожидается число",
    "int_from_float": "ожидается целое число",
    "bool_parsing": "ожидается true или false",
    "bool_type": "ожидается true или false",
    "date_from_datetime_parsing": "ожидается дата в виде ГГГГ-ММ-ДД",
    "date_parsing": "ожидается дата в виде ГГГГ-ММ-ДД",
    "date_type": "ожидается дата в виде ГГГГ-ММ-ДД",
    "url_parsing": "ожидается ссылка вида https://…",
    "url_scheme": "ссылка должна начинаться с https:// или http://",
    "url_type": "ожидается ссылка вида https://…",
    "too_short": "нужно хотя бы {min_length}",
    "too_long": "не больше {max_length}",
    "list_type": "ожидается список (строки, начинающиеся с «- »)",
    "tuple_type": "ожидается список (строки, начинающиеся с «- »)",
    "dict_type": "ожидается словарь (поле: значение)",
    "model_type": "ожидается словарь полей",
    "model_attributes_type": "ожидается словарь полей",
    "literal_error": "допустимые значения: {expected}",
}


def field_path(loc: tuple[int | str, ...]) -> str:
    """('steps', 2, 'where') -> 'steps[2].where'."""
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or "(весь файл)"


def describe(error: ErrorDetails) -> str:
    template = _MESSAGES.get(error["type"])
    if template is None:
        return error["msg"].removeprefix("Value error, ")
    try:
        return template.format(**error.get("ctx", {}))
    except (KeyError, IndexError):
        return template


def errors(exc: ValidationError) -> list[tuple[tuple[int | str, ...], str]]:
    """(where, what) for every error, in Russian.

    A list whose item is broken is also reported «too short» (its valid items are fewer than
    required); only the item's own error helps the editor, so that echo is dropped."""
    found = exc.errors()
    deeper = [tuple(e["loc"]) for e in found]
    return [
        (tuple(e["loc"]), describe(e))
        for e in found
        if not (e["type"] == "too_short" and _has_deeper(tuple(e["loc"]), deeper))
    ]


def _has_deeper(loc: tuple[int | str, ...], others: list[tuple[int | str, ...]]) -> bool:
    return any(len(other) > len(loc) and other[: len(loc)] == loc for other in others)
