"""Full names and their parts, found with pymorphy3's Name/Surn/Patr tags in context.

A word is a *name word* when a dictionary reading of it is a first name, surname or
patronymic (words pymorphy3 does not know are guessed at only after «зовут» and the like). It
is *unambiguous* when its name readings, with possessives made from them, weigh 80 % or more
(«Петров», «Иванова», «Сергеевич», «Анна»), *ambiguous* when it is also an ordinary word
(«Вера», «Роман», «Надежда», «Любовь», «Слава»), and a *place* when a town's reading weighs
30 % or more («Киров», «Питер»). Adjacent name words and initials make a run, masked whole as
«[имя]» when any of these holds:

- it follows «зовут», «звать», «фио», «фамилия», «имя», «отчество» (then any capitalised or
  name-like word counts: «зовут Зульфия», «фио шмыгова анна»), or follows «я» and is
  unambiguous or capitalised («я петров», «я Ирина»);
- it has an initial («Иванова А.С.», «А.С. Иванова»);
- it has two or more words, capitalised, one unambiguous («Иванов Пётр Сергеевич»), or in
  lower case, one unambiguous and a surname or patronymic among them («петров иван»; not
  «данке шон», two rare first names);
- a word is capitalised, not a place, and not at the start of a sentence («к Вере
  Павловне», «дочь Света»; after «:» a sentence starts);
- it is one name word in the nominative followed by a past-tense verb of its gender («Роман
  подал заявление», «вера подала»); «был», «стал» and reflexive verbs do not count («Мир
  изменился»), nor do other cases («машину купил»).

Never masked: a run right after a street or place word («улица Ленина», «им. Пушкина»: the
address detector masks an address that has a house number), right after a number («8
Марта»), one lower-case name word (street names are surnames: «на гагарина»), and one word at
the start of a sentence without such a verb («Вера в бога», «Слава богу», «Сергей,
подскажите»: a first name alone identifies no one, and every first word is capitalised).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache, lru_cache

import pymorphy3

from storage.masking.work import Span

NAME = "[имя]"
_NAME_TAGS = frozenset({"Name", "Surn", "Patr"})
_TOKEN = re.compile(
    r"(?P<initial>(?<![а-яёА-ЯЁ])[А-ЯЁ]\.(?:\s?[А-ЯЁ](?![а-яё])\.?)?)"
    r"|[а-яёА-ЯЁ]+(?:-[а-яёА-ЯЁ]+)*"
)
_TRIGGERS = frozenset(
    {"зовут", "звать", "фио", "фамилия", "фамилию", "фамилией", "имя", "отчество"}
)
_WEAK_TRIGGERS = frozenset({"я"})
_PLACE_ABBREVIATIONS = frozenset({"ул", "пер", "наб", "гор", "пос", "мкр", "б-р", "пр-т", "р-н",
                                  "обл"})  # fmt: skip
# Short words that are an abbreviation of a place only with their dot («с.» village, «с» with).
_PLACE_WITH_DOT = frozenset({"г", "д", "с", "им", "ст", "пр", "пл"})
_PLACE_STEMS = ("улиц", "проспект", "переул", "бульвар", "площад", "шоссе", "набережн",
                "проезд", "имени", "станци", "метро", "город", "село", "селе", "деревн", "район",
                "посел", "микрорайон", "област", "аэропорт", "вокзал")  # fmt: skip
_NOT_VERBS = frozenset({"быть", "стать"})
_OPENERS = " \t«\"'(-"
_ENDS = ".!?…:\n"


@dataclass(frozen=True, slots=True)
class Token:
    start: int
    end: int
    text: str
    initial: bool


@dataclass(frozen=True, slots=True)
class Word:
    name: bool  # some dictionary reading is a first name, surname or patronymic
    strong: bool  # the name readings (and possessives made from them) weigh 80 % or more
    place: bool  # a town's name weighs 30 % or more («Киров», «Питер»)
    kinds: frozenset[str]  # Name, Surn, Patr among the readings
    genders: frozenset[str]  # of the name readings in the nominative (a sentence's subject)
    past: str | None  # the gender of a past-tense verb, when that is the word's reading


_NOTHING = Word(False, False, False, frozenset(), frozenset(), None)
_STRONG, _PLACE = 0.8, 0.3


@cache
def _morph() -> pymorphy3.MorphAnalyzer:
    return pymorphy3.MorphAnalyzer()


@lru_cache(maxsize=100_000)
def word(lower: str) -> Word:
    if "-" in lower:
        # «Петрова-Водкина», «Анна-Мария»: a name when its first part is one and the others
        # are names or words the dictionary does not know; «иван-чай» is not.
        parts = [word(part) for part in lower.split("-")]
        first = parts[0]
        others = lower.split("-")[1:]
        if first.name and all(
            p.name or not _known(o) for p, o in zip(parts[1:], others, strict=True)
        ):
            return Word(True, first.strong, first.place, first.kinds, first.genders, None)
        return _NOTHING
    if len(lower) < 3 or not _known(lower):
        return _NOTHING
    parses = _morph().parse(lower)
    names = [p for p in parses if _NAME_TAGS & p.tag.grammemes]
    if not names:
        return Word(False, False, False, frozenset(), frozenset(), _past(parses[0]))
    weight = sum(p.score for p in parses if p in names or "Poss" in p.tag.grammemes)
    place = sum(p.score for p in parses if "Geox" in p.tag.grammemes) >= _PLACE
    kinds = frozenset(t for p in names for t in _NAME_TAGS & p.tag.grammemes)
    genders = frozenset(str(p.tag.gender) for p in names if p.tag.case == "nomn" and p.tag.gender)
    strong = weight >= _STRONG and not place
    return Word(True, strong, place, kinds, genders, _past(parses[0]))


def _known(lower: str) -> bool:
    return bool(_morph().word_is_known(lower))


def _past(parse: pymorphy3.analyzer.Parse) -> str | None:
    tag = parse.tag
    if tag.POS != "VERB" or tag.tense != "past" or parse.normal_form in _NOT_VERBS:
        return None
    if parse.normal_form.endswith(("ся", "сь")):
        return None
    return str(tag.gender or tag.number)


@lru_cache(maxsize=10_000)
def _predicted_name(lower: str) -> bool:
    """An unknown word that pymorphy3 would read as a name (used only after «зовут» etc.)."""
    return bool(_NAME_TAGS & _morph().parse(lower)[0].tag.grammemes)


def find_names(text: str) -> Iterator[Span]:
    tokens = [
        Token(m.start(), m.end(), m.group(), m.group("initial") is not None)
        for m in _TOKEN.finditer(text)
    ]
    forced = _after_triggers(text, tokens)
    index = 0
    while index < len(tokens):
        if not (_candidate(tokens[index]) or index in forced):
            index += 1
            continue
        last = index
        while last + 1 < len(tokens) and _adjacent(text, tokens[last], tokens[last + 1]):
            if not (_candidate(tokens[last + 1]) or last + 1 in forced):
                break
            last += 1
        if _masked(text, tokens, index, last, forced):
            yield tokens[index].start, tokens[last].end, NAME
        index = last + 1


def _candidate(token: Token) -> bool:
    return token.initial or word(token.text.lower()).name


def _masked(text: str, tokens: list[Token], first: int, last: int, forced: set[int]) -> bool:
    run = tokens[first : last + 1]
    words = [t for t in run if not t.initial]
    if not words:
        return False  # initials alone are not a name
    if any(i in forced for i in range(first, last + 1)):
        return True
    if _after_place(text, tokens, first) or _after_digit(text, run[0]):
        return False
    infos = [word(t.text.lower()) for t in words]
    if len(run) > 1 and _whole_name(run, infos):
        return True
    for index in range(first, last + 1):
        token = tokens[index]
        if token.initial or not _capitalised(token.text) or word(token.text.lower()).place:
            continue
        if not _sentence_start(text, tokens, index):
            return True
    return len(run) == 1 and _verb_follows(text, tokens, last, infos[0])


def _whole_name(run: list[Token], infos: list[Word]) -> bool:
    """Two or more parts: one with an initial, or capitalised with an unambiguous part, or
    lower-case with a surname or patronymic among them («петров иван», not «данке шон»)."""
    if len(infos) < len(run):
        return True
    if any(_capitalised(t.text) for t in run):
        return any(i.strong for i in infos)
    kinds = frozenset().union(*(i.kinds for i in infos))
    return any(i.strong for i in infos) and bool(kinds & {"Surn", "Patr"})


def _verb_follows(text: str, tokens: list[Token], index: int, name: Word) -> bool:
    if index + 1 >= len(tokens) or not _adjacent(text, tokens[index], tokens[index + 1]):
        return False
    gender = word(tokens[index + 1].text.lower()).past
    if gender is None:
        return False
    return gender in name.genders or ("ms-f" in name.genders and gender in ("masc", "femn"))


def _after_triggers(text: str, tokens: list[Token]) -> set[int]:
    forced: set[int] = set()
    for index, token in enumerate(tokens[:-1]):
        lower = token.text.lower()
        if lower not in _TRIGGERS and lower not in _WEAK_TRIGGERS:
            continue
        gap = text[token.end : tokens[index + 1].start]
        if len(gap) > 4 or gap.strip(" \t:,-—") or not gap:
            continue
        if lower in _WEAK_TRIGGERS:
            after = tokens[index + 1]
            info = word(after.text.lower())
            if info.name and (info.strong or _capitalised(after.text)):
                forced.add(index + 1)
            continue
        _force_run(text, tokens, index + 1, forced)
    return forced


def _force_run(text: str, tokens: list[Token], start: int, forced: set[int]) -> None:
    """Up to three name-like words after «зовут», «фио», «фамилия»…"""
    index = start
    while index < len(tokens) and index < start + 3:
        if index > start and not _adjacent(text, tokens[index - 1], tokens[index]):
            return
        token = tokens[index]
        lower = token.text.lower()
        name_like = token.initial or word(lower).name or _capitalised(token.text)
        if not name_like and (_known(lower) or not _predicted_name(lower)):
            return
        forced.add(index)
        index += 1


def _adjacent(text: str, left: Token, right: Token) -> bool:
    gap = text[left.end : right.start]
    return len(gap) <= 2 and not gap.strip(" \t")


def _capitalised(text: str) -> bool:
    return text[0].isupper() and not (text.isupper() and len(text) <= 3)


def _sentence_start(text: str, tokens: list[Token], index: int) -> bool:
    position = tokens[index].start - 1
    while position >= 0 and text[position] in _OPENERS:
        position -= 1
    if position < 0:
        return True
    if text[position] == "." and index > 0 and tokens[index - 1].initial:
        return tokens[index - 1].end != position + 1
    return text[position] in _ENDS


def _after_place(text: str, tokens: list[Token], index: int) -> bool:
    if index == 0:
        return False
    previous = tokens[index - 1]
    gap = text[previous.end : tokens[index].start]
    if len(gap) > 3 or gap.strip(" \t."):
        return False
    lower = previous.text.lower()
    if lower in _PLACE_WITH_DOT:
        return gap.startswith(".")
    return lower in _PLACE_ABBREVIATIONS or lower.startswith(_PLACE_STEMS)


def _after_digit(text: str, token: Token) -> bool:
    before = text[max(0, token.start - 3) : token.start].rstrip()
    return bool(before) and before[-1].isdigit()
