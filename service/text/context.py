"""Evidence from the whole article around a boundary: what follows it, who and what each side holds, who speaks.

evidence.py reads the story so far against the next paragraph. This module adds, for the boundary before
paragraph i, what a careful editor reads besides: whether paragraph i belongs with the paragraphs after it rather
than with those before (a story's first paragraph opens what follows), whether the names, numbers and places of
the last paragraphs carry on across the boundary (two football matches or two countries share vocabulary but not
teams or places), and whether paragraph i is a quotation or an attributed statement (و + a speech verb: the same
story's actors speaking, most often). CONTEXT_FEATURES lists the values in order.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from service.text import cues
from service.text.cohesion import window_cosine
from service.text.normalize import normalize

# How many paragraphs on each side the comparisons read.
SPAN = 3
# Numbers of at least this many digits name something (a score, a sum, a year, a toll), not an ordinal.
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
_QUOTES = '"«»“”'
# The first words of a paragraph, where a speech verb or a number says how it opens.
_OPENING_WORDS = 8

CONTEXT_FEATURES = (
    "similarity_ahead",
    "previous_ahead",
    "ahead_minus_behind",
    "cross_gap_wide",
    "own_actors_ahead",
    "own_actors_behind",
    "recent_actors_carried",
    "actors_jaccard_previous",
    "numbers_shared_behind",
    "numbers_new",
    "opens_with_number",
    "opens_with_quote",
    "quoted_share",
    "speech_new_speaker",
    "speech_known_speaker",
    "length_words",
    "previous_length_words",
    "paragraphs_left",
)


def context_features(
    texts: Sequence[str],
    actors: Sequence[set[str]],
    rare: Sequence[list[str]],
    similarity_of_runs: RunSimilarity,
) -> list[list[float]]:
    """One vector (CONTEXT_FEATURES in order) per boundary candidate: before paragraph 1, 2, ..., n - 1.

    `texts` are the paragraphs as written, `actors` the stems of the rare words (names, places, specific
    terms) each one shares with another paragraph, `rare` the stems of all its rare words in order (a speaker
    named once is still someone), and `similarity_of_runs` gives the cosine between two runs of paragraphs.
    """
    numbers = [_numbers(text) for text in texts]
    openings = [normalize(text[: cues.OPENING_CHARS]) for text in texts]
    lengths = [len(text.split()) for text in texts]
    n = len(texts)
    rows: list[list[float]] = []
    seen: set[str] = set(rare[0]) if n else set()
    for i in range(1, n):
        before, after = range(max(0, i - SPAN), i), range(i + 1, min(n, i + 1 + SPAN))
        recent = set().union(*(actors[j] for j in before))
        coming = set().union(*(actors[j] for j in after))
        behind_numbers = set().union(*(numbers[j] for j in before))
        own = actors[i]
        speech = cues.attributes_speech(openings[i])
        # The first name a paragraph gives is whom it is about; after a speech verb, whoever speaks.
        first_known = float(rare[i][0] in seen) if rare[i] else 0.5
        values = {
            "similarity_ahead": similarity_of_runs(range(i, i + 1), after),
            "previous_ahead": similarity_of_runs(range(i - 1, i), range(i, min(n, i + 2))),
            "ahead_minus_behind": similarity_of_runs(range(i, i + 1), after)
            - similarity_of_runs(range(i, i + 1), before),
            "cross_gap_wide": similarity_of_runs(before, range(i, min(n, i + SPAN))),
            "own_actors_ahead": _share(own, coming),
            "own_actors_behind": _share(own, recent),
            "recent_actors_carried": _share(recent, own | coming),
            "actors_jaccard_previous": _jaccard(own, actors[i - 1]),
            "numbers_shared_behind": float(bool(numbers[i] & behind_numbers)),
            "numbers_new": float(bool(numbers[i] - behind_numbers)),
            "opens_with_number": float(any(char.isdigit() for char in " ".join(texts[i].split()[:_OPENING_WORDS]))),
            "opens_with_quote": float(texts[i].lstrip()[:1] in _QUOTES),
            "quoted_share": _quoted_share(texts[i]),
            "speech_new_speaker": float(speech and first_known == 0.0),
            "speech_known_speaker": float(speech and first_known == 1.0),
            "length_words": math.log1p(lengths[i]),
            "previous_length_words": math.log1p(lengths[i - 1]),
            "paragraphs_left": math.log1p(n - i - 1),
        }
        rows.append([values[name] for name in CONTEXT_FEATURES])
        seen |= set(rare[i])
    return rows


class RunSimilarity:
    """Cosine between the summed vectors of two runs of paragraphs, from the article's dot-product matrix."""

    def __init__(self, dots: Sequence[Sequence[float]]) -> None:
        self.dots = dots

    def __call__(self, left: range, right: range) -> float:
        return window_cosine(self.dots, left, right)


def _numbers(text: str) -> set[str]:
    """The numbers a paragraph names, digits only ("2,5" and "2.5" alike); single digits are left out."""
    translated = text.translate(_DIGITS)
    return {match.replace(",", ".") for match in _NUMBER.findall(translated) if len(match) > 1}


# Arabic-Indic digits read as the ASCII ones, so "٢٠١٨" and "2018" are one number.
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩", "0123456789")


def _quoted_share(text: str) -> float:
    """Share of the paragraph's characters inside quotation marks: a quote, or a statement read out."""
    inside, opened, count = 0, False, 0
    for char in text:
        if char in "«“" or (char == '"' and not opened):
            opened = True
            continue
        if char in "»”" or (char == '"' and opened):
            opened = False
            continue
        count += 1
        inside += opened
    return inside / count if count else 0.0


def _share(words: set[str], among: set[str]) -> float:
    """Share of `words` found in `among`; 0.5 when there are none to share (neither evidence nor against)."""
    return len(words & among) / len(words) if words else 0.5


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a | b else 0.0


def with_neighbours(rows: Sequence[list[float]], columns: Sequence[int]) -> list[list[float]]:
    """Each row followed by `columns` of the row before it and of the row after it (0.0 at either end).

    A boundary's neighbours say whether it is one of a run of weak changes (a list of quotes) or the one strong
    change among them, which a boundary read alone cannot tell.
    """
    blank = [0.0] * len(columns)
    picked = [[row[column] for column in columns] for row in rows]
    return [
        [*row, *(picked[k - 1] if k else blank), *(picked[k + 1] if k + 1 < len(rows) else blank)]
        for k, row in enumerate(rows)
    ]
