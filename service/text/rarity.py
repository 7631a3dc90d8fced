"""How rare a word is in Arabic at large, from wordfreq's frequency lists: names and places are rare, "وزير" is not.

A word's rarity outside the article tells the actors of a story (people, organisations, places) from the
vocabulary every story shares, which an article of a dozen paragraphs cannot tell by itself. The list loads once,
on first use (about half a second); without wordfreq installed every word counts as equally rare.
"""

from __future__ import annotations

import functools
import logging
import math
import re

logger = logging.getLogger(__name__)

# Zipf scale: log10 of occurrences per billion words. Below this a word is about as rare as a person's or a small
# town's name ("حفتر" 3.5, "كوبلر" 2.6); "ليبيا" is 5.0 and "وزير" 5.4.
ACTOR_ZIPF = 4.0
# The rarity weight of a word: how far its Zipf frequency lies below this, at least MIN_WEIGHT.
_TOP_ZIPF = 7.0
_MIN_WEIGHT = 0.5
# Letters that attach to the front of a word: and, so, with, for, like.
_CLITIC = re.compile(r"[وف]?[بلك]?")


def load() -> None:
    """Read the frequency list now (about half a second) rather than on the first article segmented."""
    _frequencies()


@functools.cache
def _frequencies() -> dict[str, float]:
    try:
        import wordfreq
    except ImportError:
        logger.warning("wordfreq is not installed: every word counts as equally rare")
        return {}
    return wordfreq.get_frequency_dict("ar")


@functools.lru_cache(maxsize=1 << 16)
def zipf(surface: str) -> float:
    """Zipf frequency of a word as written, or of it without its clitics (و ف ب ل ك, لل for ال); 0.0 when unknown.

    The lists count "والقاهرة" apart from "القاهرة"; the more frequent form says how rare the word really is.
    """
    frequencies = _frequencies()
    word = surface.casefold()
    frequency = frequencies.get(word, 0.0)
    for cut in (1, 2):
        rest = word[cut:]
        if len(rest) < 3 or not _CLITIC.fullmatch(word[:cut]):
            break
        frequency = max(frequency, frequencies.get(rest, 0.0))
        if rest.startswith("ل") and not rest.startswith("ال"):
            frequency = max(frequency, frequencies.get("ا" + rest, 0.0))
    return math.log10(frequency * 1e9) if frequency > 0 else 0.0


@functools.lru_cache(maxsize=1 << 16)
def weight(surface: str) -> float:
    """Rarity weight of a word: about 1 for everyday words, 4 to 7 for names and rare terms."""
    return max(_MIN_WEIGHT, _TOP_ZIPF - zipf(surface))


@functools.lru_cache(maxsize=1 << 16)
def is_actor(surface: str) -> bool:
    """Whether a content word is rare enough to name a story's actor or place rather than its kind of news."""
    return zipf(surface) < ACTOR_ZIPF
