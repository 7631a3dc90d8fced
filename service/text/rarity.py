"""How rare a word is in Arabic at large, from wordfreq's frequency lists: names and places are rare, "وزير" is not.

A word's rarity outside the article tells the actors of a story (people, organisations, places) from the
vocabulary every story shares, which an article of a dozen paragraphs cannot tell by itself. The list loads once,
on first use (under a second; 6 MB of arrays); without wordfreq installed every word counts as equally rare.
"""

from __future__ import annotations

import functools
import hashlib
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


class Frequencies:
    """wordfreq's Arabic list as two sorted arrays, word hash -> frequency bucket, instead of a dict of 620,000 words.

    The dict that wordfreq.get_frequency_dict() builds holds about 90 MB of Python strings for the life of the
    process; these arrays hold 6 MB and give the same frequency for every word (a word listed twice keeps its last,
    rarer bucket, as that dict does). A word's key is the first 8 bytes of the BLAKE2b digest of its UTF-8: Python's
    own str hash reads a string's internal bytes, so "g0" and "で" (U+3067, stored as the bytes 67 30) hash alike (13
    such pairs in this list); these keys have no collision in it.
    """

    def __init__(self, buckets: list[list[str]]) -> None:
        import numpy as np

        count = sum(len(bucket) for bucket in buckets)
        keys = np.fromiter((_key(word) for bucket in buckets for word in bucket), dtype=np.int64, count=count)
        levels = np.fromiter((k for k, bucket in enumerate(buckets) for _ in bucket), dtype=np.int32, count=count)
        order = np.argsort(keys, kind="stable")
        self._keys, self._levels = keys[order], levels[order]

    def get(self, word: str, default: float = 0.0) -> float:
        """The word's frequency (a share of all tokens), or `default` when the list does not hold it."""
        key = _key(word)
        # The last of equal keys: the later, rarer bucket of a word listed twice.
        index = int(self._keys.searchsorted(key, side="right")) - 1
        if index < 0 or self._keys[index] != key:
            return default
        # Bucket k holds the words at -k centibels: a frequency of 10 ** (-k / 100).
        return float(10.0 ** (-int(self._levels[index]) / 100))


def _key(word: str) -> int:
    return int.from_bytes(hashlib.blake2b(word.encode("utf-8"), digest_size=8).digest(), "little", signed=True)


@functools.cache
def _frequencies() -> Frequencies | dict[str, float]:
    try:
        import wordfreq
    except ImportError:
        logger.warning("wordfreq is not installed: every word counts as equally rare")
        return {}
    # The list file itself, read once and dropped: get_frequency_list() would keep its strings cached.
    return Frequencies(wordfreq.read_cBpack(wordfreq.available_languages("best")["ar"]))


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
