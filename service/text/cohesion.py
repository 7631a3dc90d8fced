"""Lexical cohesion between paragraphs: how much more they share than chance, as a segment score table."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

from service.text import rarity
from service.text.lexicon import ContentWord

# Strength of the chance model in the modularity score: below 1 asks for less than chance-level sharing before
# two paragraphs count as one story, so a loosely written single story is not cut apart.
RESOLUTION = 0.7
# Clitic letters (and, then, with, for) that the light stemmer leaves on words such as "وليبيا" or "لوزراء".
_CLITIC_LETTERS = "وفبل"


def paragraph_vectors(words: list[list[ContentWord]]) -> list[dict[str, float]]:
    """A tf-idf vector of stems per paragraph, idf taken over the paragraphs of this one article.

    A stem that starts with a clitic letter is folded onto the rest of it when the rest occurs as a stem in
    the article ("وليبيا" -> "ليبيا"), which keeps root letters such as the و of "وزير" when "زير" is absent.
    """
    vocabulary = {word.stem for paragraph in words for word in paragraph}
    fold = {
        stem: stem[1:] if len(stem) >= 4 and stem[0] in _CLITIC_LETTERS and stem[1:] in vocabulary else stem
        for stem in vocabulary
    }
    counts: list[dict[str, int]] = []
    # How rare each stem is in Arabic at large, by its most frequent spelling here: a shared name links two
    # paragraphs more than a shared country or ministry, which every story of a region mentions.
    general: dict[str, float] = {}
    for paragraph in words:
        paragraph_counts: dict[str, int] = {}
        for word in paragraph:
            stem = fold[word.stem]
            paragraph_counts[stem] = paragraph_counts.get(stem, 0) + 1
            weight = rarity.weight(word.surface)
            if weight < general.get(stem, math.inf):
                general[stem] = weight
        counts.append(paragraph_counts)
    document_frequency = Counter(stem for paragraph in counts for stem in paragraph)
    total = len(counts)
    factor = {stem: math.log((1 + total) / frequency) * general[stem] for stem, frequency in document_frequency.items()}
    return [{stem: count * factor[stem] for stem, count in paragraph.items()} for paragraph in counts]


def segment_scores(similarity: list[list[float]]) -> list[list[float]]:
    """scores[a][b]: cohesion of paragraphs a..b (inclusive) as one section, for a <= b.

    `similarity` is cosine_of(dot_matrix()) of the paragraphs' vectors.

    The score is the modularity of the section in the paragraph-similarity graph: the summed similarity of
    its pairs minus what paragraphs that link just as much to the rest of the article would share by chance,
    in units of the article's mean paragraph degree, so scores compare across articles of any length.
    """
    n = len(similarity)
    degree = [sum(row) for row in similarity]
    total_degree = sum(degree)
    if not total_degree:
        return [[0.0] * n for _ in range(n)]
    unit = total_degree / n
    scores = [[0.0] * n for _ in range(n)]
    for a in range(n - 1, -1, -1):
        row = 0.0
        for b in range(a + 1, n):
            # Pairs (a, j) for a < j <= b, added to the section a+1..b already scored.
            row += similarity[a][b] - RESOLUTION * degree[a] * degree[b] / total_degree
            scores[a][b] = scores[a + 1][b] + row / unit
    return scores


def window_cosine(dots: Sequence[Sequence[float]], left: range, right: range) -> float:
    """Cosine between the summed vectors of two runs of paragraphs, from their dot_matrix(); 0.0 when either run is
    empty or they share nothing."""
    if not left or not right:
        return 0.0
    dot = sum(dots[a][b] for a in left for b in right)
    if not dot:
        return 0.0
    left_norm = sum(dots[a][b] for a in left for b in left)
    right_norm = sum(dots[a][b] for a in right for b in right)
    return dot / math.sqrt(left_norm * right_norm)


def dot_matrix(vectors: list[dict[str, float]]) -> list[list[float]]:
    """Pairwise dot products of the vectors, diagonal included (squared norms); summed over shared stems only."""
    n = len(vectors)
    postings: dict[str, list[tuple[int, float]]] = {}
    for index, vector in enumerate(vectors):
        for stem, weight in vector.items():
            if weight:
                postings.setdefault(stem, []).append((index, weight))
    dots = [[0.0] * n for _ in range(n)]
    for posting in postings.values():
        for position, (i, left) in enumerate(posting):
            row = dots[i]
            for j, right in posting[position:]:
                row[j] += left * right
    for i in range(n):
        for j in range(i + 1, n):
            dots[j][i] = dots[i][j]
    return dots


def cosine_of(dots: list[list[float]]) -> list[list[float]]:
    """Pairwise cosine similarity (zero diagonal) from dot_matrix()."""
    n = len(dots)
    norms = [math.sqrt(dots[i][i]) or 1.0 for i in range(n)]
    return [[dots[i][j] / (norms[i] * norms[j]) if i != j else 0.0 for j in range(n)] for i in range(n)]
