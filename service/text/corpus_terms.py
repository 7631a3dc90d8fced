"""Terms of Arabic text as the corpus model counts them: light stems, with whether the word carried the article ال.

One function serves both the corpus build (benchmarks/build_semantic.py) and inference (service/text/semantic.py),
so a paragraph is cut into the same terms in both. Stopwords, numbers and words under three letters are left out
(service/text/lexicon.py decides which).
"""

from __future__ import annotations

import functools
import re

from service.text.lexicon import content_words
from service.text.normalize import normalize

# The article ال, after at most one conjunction and one preposition letter: "والقاهرة", "بالمدينة", "للجيش".
_DEFINITE = re.compile(r"^(?:[وف]?[بك]?ال|[وف]?لل)")
# Letters the light stemmer leaves glued to the front of a word ("وليبيا", "لترامب"); the vocabulary folds them off.
CLITIC_LETTERS = "وفبلك"


def terms(text: str) -> list[tuple[str, bool]]:
    """(stem, definite) for each content word of `text`, in order; `definite` says it was written with ال."""
    return [(word.stem, _definite(word.surface)) for word in content_words(text)]


@functools.lru_cache(maxsize=1 << 16)
def _definite(surface: str) -> bool:
    return _DEFINITE.match(normalize(surface)) is not None


def fold(stem: str, vocabulary: dict[str, int]) -> int | None:
    """Row of `stem` in `vocabulary`, or of it without one clitic letter in front ("وليبيا" -> "ليبيا"); else None.

    The build keeps a clitic form in the vocabulary only when it is more frequent than the bare form ("وزير" is
    not "زير"), so a form absent from the vocabulary is safe to fold.
    """
    row = vocabulary.get(stem)
    if row is None and len(stem) > 3 and stem[0] in CLITIC_LETTERS:
        row = vocabulary.get(stem[1:])
    return row
