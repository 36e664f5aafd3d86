"""`lifebot kb validate`: each rule, on a small fixture knowledge base, with its exact message."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from knowledge_base.validate import validate

FIXTURE = Path(__file__).parent / "fixtures"
ALPHA, BETA = "situations/alpha.yml", "situations/beta.yml"

CASES = [
    ("yaml syntax", ALPHA, "summary: Что сделать после рождения ребёнка.", "summary: [Что сделать",
     "situations/alpha.yml:6:10: ошибка YAML (did not find expected ',' or ']')"),
    ("missing field", BETA, "title: Потеря работы\n", "",
     "situations/beta.yml:2:1: title: поле обязательно, но его нет"),
    ("unknown field", BETA, "sympathy:", "sympaty:",
     "situations/beta.yml:6:10: sympaty: такого поля нет в схеме (опечатка?)"),
    ("wrong type", ALPHA, "      months: 1", "      months: месяц",
     "situations/alpha.yml:29:15: steps[0].deadline.months: ожидается целое число"),
    ("long label", BETA, "label: Сокращение",
     "label: Сокращение штата по решению работодателя из-за кризиса",
     "situations/beta.yml:12:16: questions[0].options[0].label: "
     "текст слишком длинный (не больше 40 символов)"),
    ("bad code", BETA, "  - id: register_czn", "  - id: Register-CZN",
     "situations/beta.yml:18:9: steps[0].id: "
     "код может содержать только латинские строчные буквы, цифры и _"),
    ("duplicate step id", ALPHA, "  - id: paternity", "  - id: register",
     "situations/alpha.yml:19:3: steps: коды шагов повторяются"),
    ("condition on an unknown question", ALPHA, "      married: [not_married]",
     "      spouse: [not_married]",
     "situations/alpha.yml:44:15: steps[1].when.spouse: нет вопроса с кодом «spouse»"),
    ("condition on an unknown option", ALPHA, "      married: [not_married]",
     "      married: [divorced]",
     "situations/alpha.yml:44:16: steps[1].when.married: "
     "у вопроса «married» нет варианта «divorced»"),
    ("unknown related situation", BETA, "related: [alpha]", "related: [alpha, gamma]",
     "situations/beta.yml:28:18: related[1]: ситуации «gamma» нет"),
    ("situation missing from its category", "categories.yml", "situations: [alpha, beta]",
     "situations: [alpha]",
     "situations/beta.yml:4:11: category: "
     "ситуация должна быть в списке категории «family» в categories.yml"),
    ("link that is not https", BETA, "        url: https://trudvsem.ru/",
     "        url: http://trudvsem.ru/",
     "situations/beta.yml:23:14: steps[0].where[0].url: "
     "ссылка должна начинаться с https:// (сейчас http://trudvsem.ru/)"),
    ("deadline counted from a date nobody gives", BETA, "    cost: Бесплатно\n    duration: До 11",
     "    deadline:\n      text: 10 дней\n      days: 10\n    cost: Бесплатно\n"
     "    duration: До 11",
     "situations/beta.yml:25:7: steps[0].deadline: срок в днях, месяцах или годах считается "
     "от даты события, но в ситуации нет вопроса с kind: date — оставьте только text"),
    ("too few example phrases", BETA, "  - потерял работу\n", "",
     "situations/beta.yml:34:3: examples: нужно не меньше 5 примеров фраз, сейчас 4: "
     "2 здесь и 2 в файлах nlu/data"),
    ("one phrase in two situations", BETA, "  - потерял работу", "  - жена родила сына",
     "situations/alpha.yml:54:5: examples[1]: пример «жена родила сына» есть и в «beta» — "
     "одна фраза может учить только одну ситуацию"),
    ("one synonym for two options", BETA, "synonyms: [по другой причине]",
     "synonyms: [по другой причине, сократили]",
     "situations/beta.yml:8:5: questions[0]: "
     "фраза «сократили» относится к двум вариантам: layoff и other"),
    ("a shared word as a synonym", BETA, "synonyms: [по другой причине]",
     "synonyms: [по другой причине, не знаю]",
     "situations/beta.yml:16:39: questions[0].options[1].synonyms[1]: «не знаю» — общее слово "
     "из lexicon.yml; для него укажите means: yes, no или unknown, а в synonyms пишите фразы, "
     "которые однозначны и без вопроса"),
    ("a follow-up about a step that does not exist", BETA, "related: [alpha]",
     "faq:\n  - id: amount\n    questions: [сколько платят, какое пособие]\n"
     "    answer: Смотрите на сайте.\n    step: benefit\nrelated: [alpha]",
     "situations/beta.yml:32:11: faq[0].step: нет шага с кодом «benefit»"),
    ("a renamed placeholder", "texts.yml", 'category_prompt: "{category}. Выберите ситуацию:"',
     'category_prompt: "{categoria}. Выберите ситуацию:"',
     "texts.yml:7:18: category_prompt: подстановки {categoria} здесь нет; можно: {category}"),
    ("a removed placeholder", "texts.yml", 'step_header: "Шаг {number} из {total}. {title}"',
     'step_header: "Шаг {number}. {title}"',
     "texts.yml:39:14: step_header: пропала подстановка {total} — верните её, её заполняет "
     "программа"),
    ("a figure nobody defined", ALPHA, "what: Подайте заявление в ЗАГС.",
     "what: Подайте заявление в ЗАГС, пошлина {{alpha_fee}}.",
     "situations/alpha.yml:21:11: steps[0].what: нет величины «alpha_fee» в папке figures — "
     "проверьте код"),
    ("calendar and working days at once", ALPHA, "      months: 1",
     "      days: 3\n      working_days: 3",
     "situations/alpha.yml:28:7: steps[0].deadline: "
     "укажите либо days (календарные дни), либо working_days (рабочие)"),
]  # fmt: skip


def _broken(tmp_path: Path, file: str, old: str, new: str) -> Path:
    root = tmp_path / "kb"
    shutil.copytree(FIXTURE / "kb", root)
    path = root / file
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return root


def test_the_fixture_is_valid() -> None:
    assert validate(FIXTURE / "kb", FIXTURE / "nlu", min_examples=5) == []


@pytest.mark.parametrize(
    ("rule", "file", "old", "new", "message"), CASES, ids=[c[0] for c in CASES]
)
def test_each_rule_names_file_line_column_field_and_expectation(
    tmp_path: Path, rule: str, file: str, old: str, new: str, message: str
) -> None:
    root = _broken(tmp_path, file, old, new)
    assert validate(root, FIXTURE / "nlu", min_examples=5) == [message]


def test_all_errors_of_all_files_are_listed_at_once(tmp_path: Path) -> None:
    root = _broken(tmp_path, ALPHA, "      married: [not_married]", "      married: [divorced]")
    beta = root / BETA
    beta.write_text(beta.read_text(encoding="utf-8").replace("sympathy:", "sympaty:"), "utf-8")
    problems = validate(root, FIXTURE / "nlu", min_examples=5)
    assert len(problems) == 2
    assert {p.split(":")[0] for p in problems} == {ALPHA, BETA}


def test_the_shipped_knowledge_base_is_valid() -> None:
    from knowledge_base import CONTENT_DIR
    from nlu.training_data import DATA_DIR

    assert validate(CONTENT_DIR, DATA_DIR) == []
