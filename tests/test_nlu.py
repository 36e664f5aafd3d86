"""Understanding citizens' Russian: accuracy, typos, gibberish, entities, the model cache."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from dialogs.dialogue import UnderstandingPolicy
from knowledge_base.model import KnowledgeBaseContent
from nlu.embedded import EmbeddedClassifier, load_or_train
from nlu.entities import EntityExtractor
from nlu.evaluate import SUGGEST_THRESHOLD, evaluate
from nlu.model import IntentModel
from nlu.normalize import transliterate
from nlu.training_data import DATA_DIR, read_rasa_file, training_examples

SERVICE = {"greet", "goodbye", "thanks", "help", "human_operator", "complaint", "out_of_scope"}
HELD_OUT = Path(__file__).parent / "fixtures" / "nlu" / "citizens_heldout.yml"
# Written blind, after the training data was last changed: nobody tuned anything against it.
BLIND = Path(__file__).parent / "fixtures" / "nlu" / "citizens_heldout_2.yml"


def test_training_data_covers_every_intent(kb: KnowledgeBaseContent) -> None:
    examples = training_examples(kb)
    assert set(examples) == set(kb.situations) | SERVICE
    for intent, texts in examples.items():
        assert len(texts) >= (60 if intent in kb.situations else 30), intent


def test_no_example_teaches_two_intents(kb: KnowledgeBaseContent) -> None:
    seen: dict[str, str] = {}
    clashes = []
    for intent, texts in training_examples(kb).items():
        for text in texts:
            key = text.lower().replace("ё", "е").strip(" .!?")
            if seen.setdefault(key, intent) != intent:
                clashes.append((text, seen[key], intent))
    assert clashes == []


def test_accuracy_floor_on_a_held_out_split(kb: KnowledgeBaseContent) -> None:
    from sklearn.model_selection import train_test_split

    examples = training_examples(kb)
    texts = [t for intent in sorted(examples) for t in examples[intent]]
    labels = [intent for intent in sorted(examples) for _ in examples[intent]]
    train_texts, test_texts, train_labels, test_labels = train_test_split(
        texts, labels, test_size=0.2, stratify=labels, random_state=7
    )
    training: dict[str, list[str]] = {}
    for text, label in zip(train_texts, train_labels, strict=True):
        training.setdefault(label, []).append(text)
    held_out: dict[str, list[str]] = {}
    for text, label in zip(test_texts, test_labels, strict=True):
        held_out.setdefault(label, []).append(text)
    report = evaluate(load_or_train(training, None), held_out)
    assert report.accuracy >= 0.95, report.confused  # measured 0.98 when written


def _key(text: str) -> str:
    return " ".join(text.lower().replace("ё", "е").strip(" .!?").split())


@pytest.mark.parametrize(
    ("path", "at_least", "each"), [(HELD_OUT, 330, 12), (BLIND, 280, 10)], ids=["tuned", "blind"]
)
def test_held_out_citizens_messages(
    nlu_model: IntentModel, kb: KnowledgeBaseContent, path: Path, at_least: int, each: int
) -> None:
    """Messenger-style messages written apart from the training data and never trained on.
    The first set guided which new examples to write (none copied); the second, written
    blind afterwards, is the clean measurement (0.983 and 1.0 % when added)."""
    held_out = read_rasa_file(path)
    # The blind set covers every situation; the first was written before the newest ones.
    assert (
        set(held_out) == set(kb.situations)
        if path == BLIND
        else set(held_out) <= set(kb.situations)
    )
    assert all(len(texts) >= each for texts in held_out.values())
    assert sum(map(len, held_out.values())) >= at_least
    trained = {_key(text) for texts in training_examples(kb).values() for text in texts}
    assert [t for texts in held_out.values() for t in texts if _key(t) in trained] == []
    report = evaluate(nlu_model, held_out, kb.situations)
    assert report.accuracy >= 0.95, report.confused  # measured 0.98 when written
    assert report.no_situation_share <= 0.02, report.no_situation_examples  # measured 0.011


def test_no_situation_counts_service_intents_unknown_words_and_doubt() -> None:
    model = load_or_train(
        {
            "moving": ["переезд в другой город", "прописка на новом месте", "переехал"],
            "greet": ["привет", "добрый день", "здравствуйте"],
            "out_of_scope": ["погода завтра", "анекдот", "курс доллара"],
        },
        None,
    )
    examples = {"moving": ["переезд и прописка", "привет", "кхм бррр"]}
    report = evaluate(model, examples, {"moving"})
    assert report.no_situation == 2  # the greeting and the unknown words
    assert report.no_situation_share == pytest.approx(2 / 3)
    assert {(e, p) for e, p, _, _ in report.no_situation_examples} == {
        ("moving", "greet"),
        ("moving", "out_of_scope"),
    }
    assert evaluate(model, examples, {"moving"}, threshold=1.0).no_situation == 3
    greeting_too = evaluate(model, examples, lambda intent: intent in ("moving", "greet"))
    assert [p for _, p, _, _ in greeting_too.no_situation_examples] == ["out_of_scope"]
    assert evaluate(model, {"greet": ["привет"]}, {"moving"}).about_situations == 0
    assert UnderstandingPolicy().suggest == SUGGEST_THRESHOLD


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("жена вчера родила, что с бумагами?", "child_birth"),
        ("сократили на заводе", "job_loss"),
        ("потерял права", "lost_documents"),
        ("rodilsya rebenok", "child_birth"),
        ("рибенок радился", "child_birth"),
        ("как встать в очередь в садик", "kindergarten"),
        ("загран сделать", "travel_abroad"),
        ("пенсионка какие документы", "retirement"),
        ("хочу развестись", "divorce"),
        ("добрый день", "greet"),
        ("спасибо большое", "thanks"),
        ("позовите живого человека", "human_operator"),
        ("какой курс доллара", "out_of_scope"),
    ],
)
def test_citizens_words_land_in_the_right_intent(
    classifier: EmbeddedClassifier, text: str, intent: str
) -> None:
    top = classifier.parse(text).top
    assert top is not None
    assert top.intent == intent


def test_confidences_are_a_ranked_distribution(classifier: EmbeddedClassifier) -> None:
    ranking = classifier.parse("потерял паспорт в метро").ranking
    confidences = [score.confidence for score in ranking]
    assert confidences == sorted(confidences, reverse=True)
    assert 0 < sum(confidences) <= 1.0001


def test_gibberish_is_out_of_scope(classifier: EmbeddedClassifier) -> None:
    assert classifier.parse("кхм бррр").ranking == ()
    top = classifier.parse("ывапролдж").top
    assert top is None or top.intent == "out_of_scope"


def test_transliteration() -> None:
    assert transliterate("rodilsya") == "родился"
    assert transliterate("shchuka") == "щука"
    assert transliterate("пенсия") == "пенсия"


def test_the_model_is_cached_by_the_data(tmp_path: Path) -> None:
    examples = {"a": ["купить хлеб", "хлеб свежий"], "b": ["продать машину", "машина новая"]}
    first = load_or_train(examples, tmp_path)
    (cached,) = tmp_path.glob("*.npz")
    again = load_or_train(examples, tmp_path)
    assert again.intents == first.intents
    assert list(tmp_path.glob("*.npz")) == [cached]
    changed = {**examples, "b": [*examples["b"], "машину продаю"]}
    load_or_train(changed, tmp_path)
    assert len(list(tmp_path.glob("*.npz"))) == 2


def test_a_broken_cache_file_is_retrained(tmp_path: Path) -> None:
    examples = {"a": ["купить хлеб", "хлеб свежий"], "b": ["продать машину", "машина новая"]}
    load_or_train(examples, tmp_path)
    (cached,) = tmp_path.glob("*.npz")
    cached.write_bytes(b"not a model")
    model = load_or_train(examples, tmp_path)
    assert model.intents == ("a", "b")


TODAY = dt.date(2026, 3, 10)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("живу в Питере", [("region", "Санкт-Петербург")]),
        ("мы из мск", [("region", "Москва")]),
        ("прописка в Татарстане", [("region", "Республика Татарстан")]),
        ("переезжаю в Башкирию", [("region", "Республика Башкортостан")]),
        ("нижегородская область", [("region", "Нижегородская область")]),
        ("в ханты-мансийском автономном округе",
         [("region", "Ханты-Мансийский автономный округ — Югра")]),
        ("родила вчера", [("date", "2026-03-09")]),
        ("брак 3 марта", [("date", "2026-03-03")]),
        ("уволили 12.02.2026", [("date", "2026-02-12")]),
        ("у нас трое детей", [("number", "3")]),
        ("сыну 15 лет", [("number", "15")]),
        ("в Екб с 1 июня, двое детей",
         [("region", "Свердловская область"), ("date", "2025-06-01"), ("number", "2")]),
    ],
)  # fmt: skip
def test_entities(text: str, expected: list[tuple[str, str]]) -> None:
    found = EntityExtractor.from_rasa_data().extract(text, TODAY)
    assert [(e.entity, e.value) for e in found] == expected
    for entity in found:
        assert entity.start < entity.end <= len(text)


def test_all_89_subjects_of_russia_are_known() -> None:
    document = yaml.safe_load((DATA_DIR / "regions.yml").read_text(encoding="utf-8"))
    (lookup,) = [item for item in document["nlu"] if item.get("lookup") == "region"]
    names = [line[2:] for line in lookup["examples"].splitlines() if line.startswith("- ")]
    assert len(set(names)) == 89
    extractor = EntityExtractor.from_rasa_data()
    for name in names:
        assert [e.value for e in extractor.extract(name, TODAY)] == [name]


def test_rasa_project_files_match_the_training_data() -> None:
    rasa = DATA_DIR.parent / "rasa"
    domain = yaml.safe_load((rasa / "domain.yml").read_text(encoding="utf-8"))
    config = yaml.safe_load((rasa / "config.yml").read_text(encoding="utf-8"))
    intents: set[str] = set()
    for path in DATA_DIR.glob("*.yml"):
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert document["version"] == "3.1", path.name
        intents |= set(read_rasa_file(path))
    assert set(domain["intents"]) == intents
    assert config["language"] == "ru"
    assert {"DIETClassifier", "RegexEntityExtractor"} <= {c["name"] for c in config["pipeline"]}


def _lifebot(args: list[str], text: str, cache: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NLU_CACHE_DIR": str(cache)}
    lifebot = str(Path(sys.executable).parent / "lifebot")
    return subprocess.run(
        [lifebot, *args], input=text, capture_output=True, text=True, env=env, timeout=300,
        check=False,
    )  # fmt: skip


def test_nlu_parse_command(nlu_model: object, nlu_cache_dir: Path) -> None:
    result = _lifebot(
        ["nlu", "parse"], "потерял права в Питере\n\nхочу развестись\n", nlu_cache_dir
    )
    assert result.returncode == 0, result.stderr
    first, second = (json.loads(line) for line in result.stdout.splitlines())
    assert first["text"] == "потерял права в Питере"
    assert first["intent"] == "lost_documents"
    assert first["confidence"] == first["ranking"][0]["confidence"]
    assert {"intent", "confidence"} == set(first["ranking"][0])
    assert first["entities"] == [
        {"entity": "region", "value": "Санкт-Петербург", "start": 16, "end": 22}
    ]
    assert second["intent"] == "divorce"


def test_nlu_evaluate_command(tmp_path: Path, nlu_model: object, nlu_cache_dir: Path) -> None:
    test_file = tmp_path / "test.yml"
    test_file.write_text(
        'version: "3.1"\nnlu:\n  - intent: divorce\n    examples: |\n      - хочу развестись\n'
        "  - intent: job_loss\n    examples: |\n      - меня уволили с работы\n",
        encoding="utf-8",
    )
    result = _lifebot(["nlu", "evaluate", str(test_file)], "", nlu_cache_dir)
    assert result.returncode == 0, result.stderr
    assert "Точность (accuracy): 1.0000 на 2 примерах" in result.stdout
    assert "divorce" in result.stdout
    assert "Без ситуации: 0.0 % (0 из 2)" in result.stdout


def test_nlu_evaluate_without_data_explains(nlu_cache_dir: Path) -> None:
    result = _lifebot(["nlu", "evaluate"], "", nlu_cache_dir)
    assert result.returncode == 1
    assert "Укажите файл с примерами" in result.stderr


def test_an_editors_lock_file_beside_the_training_data_is_not_read(
    kb: KnowledgeBaseContent, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    (data / ".#intents.yml").symlink_to(tmp_path / "gone")  # what emacs leaves while editing
    (data / "intents.yml~").write_text("nlu: [broken", encoding="utf-8")
    assert training_examples(kb, data) == training_examples(kb, DATA_DIR)
