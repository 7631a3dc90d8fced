"""Content words of Arabic text: tokens, stopword filtering and a light stemmer for lexical comparison."""

from __future__ import annotations

import functools
import re
from typing import NamedTuple

from service.text.normalize import normalize
from service.text.stopwords import STOPWORDS

# Letters and digits plus the Arabic marks inside words (harakat, superscript alef), which \w leaves out.
_WORD = re.compile(r"(?:[^\W_]|[\u064B-\u065F\u0670])+")
_MIN_STEM = 3
# One article-like prefix and one suffix, each taken only when at least _MIN_STEM letters remain.
_PREFIX = re.compile(r"^(?:وال|بال|كال|فال|لل|ال)(?=\w{3})")
_SUFFIX = re.compile(r"(?<=\w{3})(?:ها|هم|ات|ون|ين|ه)$")
# A conjunction (و ف) and then a preposition letter (ب ل ك) may be glued to a function word: وبعد، لذلك، فإنه.
_CLITICS = re.compile(r"[وف]?[بلك]?")


class ContentWord(NamedTuple):
    """One content word: `surface` as written in the text, `stem` its normalised light stem.

    A named tuple rather than a dataclass: articles hold thousands of these and tuples are cheaper to build.
    """

    surface: str
    stem: str


def is_stopword(normalized: str) -> bool:
    """Whether a normalize()d token is a function word, also when a clitic (و ف ب ل ك) is glued to it."""
    if normalized in STOPWORDS:
        return True
    clitics = _CLITICS.match(normalized)
    cut = clitics.end() if clitics else 0
    while cut > 0:
        if len(normalized) - cut >= 2 and normalized[cut:] in STOPWORDS:
            return True
        cut -= 1
    return False


def stem(normalized: str) -> str:
    """Light stem of a normalize()d word: one article-like prefix and one suffix off, keeping >= 3 letters."""
    return _SUFFIX.sub("", _PREFIX.sub("", normalized, count=1), count=1)


def content_words(text: str, start: int = 0, end: int | None = None) -> list[ContentWord]:
    """Content words of text[start:end] in order: stopwords, numbers and words under 3 letters left out."""
    return spans_content_words(text, [(start, len(text) if end is None else end)])[0]


def spans_content_words(text: str, ranges: list[tuple[int, int]]) -> list[list[ContentWord]]:
    """content_words() of each (start, end) range of `text`, in order; faster than one call per range."""
    # News text repeats its words; deciding each distinct spelling once keeps this linear in distinct words.
    stems: dict[str, str | None] = {}
    result: list[list[ContentWord]] = []
    for start, end in ranges:
        words: list[ContentWord] = []
        for match in _WORD.finditer(text, start, end):
            surface = match.group()
            if surface not in stems:
                stems[surface] = _content_stem(surface)
            word_stem = stems[surface]
            if word_stem is not None:
                words.append(ContentWord(surface, word_stem))
        result.append(words)
    return result


@functools.lru_cache(maxsize=1 << 16)
def _content_stem(surface: str) -> str | None:
    normalized = normalize(surface)
    if len(normalized) < _MIN_STEM or not normalized.isalpha() or is_stopword(normalized):
        return None
    return stem(normalized)
