"""Keywords of each section: frequent in the section, rare in the others."""

from __future__ import annotations

import math
from collections import Counter

from service.text.lexicon import ContentWord

KEYWORDS_PER_SECTION = 5


def section_keywords(sections: list[list[ContentWord]], limit: int = KEYWORDS_PER_SECTION) -> list[list[str]]:
    """Up to `limit` keywords per section, most characteristic first, as surface forms found in that section.

    The weight of a stem is its count in the section times its rarity across sections (a smoothed inverse
    document frequency, so a one-section article is ranked by frequency alone). Ties keep first-seen order.
    """
    frequencies = [Counter(word.stem for word in words) for words in sections]
    document_frequency = Counter(stem for counts in frequencies for stem in counts)
    total = len(sections)
    keywords: list[list[str]] = []
    for words, counts in zip(sections, frequencies, strict=True):
        first_seen = {stem: order for order, stem in enumerate(dict.fromkeys(word.stem for word in words))}

        def weight(stem: str, counts: Counter[str] = counts) -> float:
            return counts[stem] * (1.0 + math.log((1 + total) / (1 + document_frequency[stem])))

        ranked = sorted(counts, key=lambda stem: (-weight(stem), first_seen[stem]))
        keywords.append([_surface_form(words, stem) for stem in ranked[:limit]])
    return keywords


def _surface_form(words: list[ContentWord], stem: str) -> str:
    """The most frequent spelling of `stem` in the section, a conjunction before ال set aside."""
    forms = Counter(_without_conjunction(word.surface) for word in words if word.stem == stem)
    return max(forms, key=lambda form: (forms[form], -len(form)))


def _without_conjunction(surface: str) -> str:
    # "والغارات" reads better as "الغارات", which is still a substring of the text.
    if len(surface) > 3 and surface[0] in "وف" and surface[1:3] == "ال":
        return surface[1:]
    return surface
