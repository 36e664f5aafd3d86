"""E-mails (as typed and as spelled out), links to social-network profiles and @handles.

Every pattern starts only where the thing can start (a look-behind refuses the middle of a
word), and each repetition is bounded or separated by a character the repeated part cannot
contain, so a match attempt costs at most the length of the word it starts on.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from storage.masking.work import Span

EMAIL = "[email]"
PROFILE = "[профиль]"

_PLAIN_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")

# «ivan @ mail.ru», «ivan(at)mail.ru», «ivan [at] mail [dot] ru», «ivan собака mail ru»,
# «ivan точка petrov собака mail точка ru».
_AT = (
    r"(?:\s{0,3}@\s{0,3}"
    r"|\s{0,3}[(\[{<]\s?(?:at|собака)\s?[)\]}>]\s{0,3}"
    r"|\s{1,3}(?:at|собака|собачка|эт)\s{1,3})"
)
_DOT = (
    r"(?:\s{0,3}\.\s{0,3}"
    r"|\s{0,3}[(\[{<]\s?(?:dot|точка)\s?[)\]}>]\s{0,3}"
    r"|\s{1,3}(?:dot|точка|тчк)\s{1,3})"
)
_WORD = r"[a-z0-9_+-]{1,64}"
_TLD = r"(?:ru|com|net|org|su|info|biz|io|me|by|kz|ua|de|рф)"
_SPELLED_EMAIL = re.compile(
    rf"(?<![\w.@+-]){_WORD}(?:{_DOT}{_WORD}){{0,3}}{_AT}"
    rf"[a-z0-9-]{{1,63}}(?:{_DOT}[a-z0-9-]{{1,63}}){{0,2}}(?:{_DOT}|\s{{1,3}}){_TLD}(?!\w)",
    re.IGNORECASE,
)

_NETWORKS = (
    r"vk\.com|vk\.ru|vkontakte\.ru|t\.me|telegram\.me|ok\.ru|odnoklassniki\.ru"
    r"|instagram\.com|facebook\.com|fb\.com|twitter\.com|x\.com|tiktok\.com|youtube\.com"
    r"|wa\.me|max\.ru|my\.mail\.ru|linkedin\.com"
)
_PROFILE_LINK = re.compile(
    rf"(?<![\w@.])(?:https?://)?(?:www\.|m\.)?(?:{_NETWORKS})/[\w.@%/+=?&#~-]{{1,200}}",
    re.IGNORECASE,
)
_HANDLE = re.compile(r"(?<![\w@.])@[a-z0-9_][a-z0-9_.]{2,31}", re.IGNORECASE)
_TRAILING = ".,?!/"
# Most messages have no e-mail: one quick search spares the spelled-out pattern.
_SPELLED_HINT = re.compile(
    r"@|собак|at|эт\b", re.IGNORECASE
)  # sentence punctuation after a link or handle is not part of it


def find_emails(text: str) -> Iterator[Span]:
    if "@" in text:
        for match in _PLAIN_EMAIL.finditer(text):
            yield match.start(), match.end(), EMAIL
    if _SPELLED_HINT.search(text):
        for match in _SPELLED_EMAIL.finditer(text):
            yield match.start(), match.end(), EMAIL


def find_profiles(text: str) -> Iterator[Span]:
    patterns = ([_PROFILE_LINK] if "/" in text else []) + ([_HANDLE] if "@" in text else [])
    for pattern in patterns:
        for match in pattern.finditer(text):
            end = match.end()
            while end > match.start() + 2 and text[end - 1] in _TRAILING:
                end -= 1
            yield match.start(), end, PROFILE
