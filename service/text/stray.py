"""Stray headlines: a lone headline-shaped line of another story, left by the scraper between article paragraphs.

A subheading and a stray headline have the same shape (furniture.reads_as_subheading): one short line without a
final full stop. What tells them apart is what the line is about. A subheading is about the paragraphs that follow
it; a stray headline ("مقتل خمسة أشخاص في انفجار سيارة مفخخة في بنغازي" inside a story about something else) is
about neither its neighbours nor anything else in the article. The evidence (FEATURES) reads the line's shape and
place, and the corpus model's pair evidence (semantic.py) of the line against the paragraph before it, the one after
it, the blocks of paragraphs either side, the title and the whole article. Boosted trees fitted on natural-train by
benchmarks/train_stray.py turn it into a probability; clean() removes a line whose probability reaches the model's
threshold, chosen by cross-validation so that almost no subheading is lost.

numpy and the corpus model load on the first headline-shaped line, so importing service.text stays light.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING, Any

from service.text import furniture
from service.text.normalize import normalize

if TYPE_CHECKING:
    import numpy as np

    from service.text.boundary import Trees
    from service.text.story_terms import ArticleTerms

MODEL_FILE = "stray_model.json"
# Paragraphs either side of the line that stand for "what comes before" and "what follows".
BLOCK = 3
# A text with more headline-shaped lines than this is a list, not an article a scraper dropped a line into (the real
# articles of the segmentation sets have at most 10); the rules alone judge it, so the pairwise evidence never grows
# with the square of a hostile input's line count.
MAX_CANDIDATES = 30
# Likewise a text of more paragraphs than this (the sets' longest article has 39): the evidence compares a line with
# every paragraph, through tables of paragraphs by distinct terms that a text of thousands of lines would make huge.
MAX_PARAGRAPHS = 400

SHAPE_FEATURES = ("words", "characters", "question", "colon", "quoted", "digits", "opens_with_waw")
PLACE_FEATURES = (
    "after_is_prose",
    "after_opens_with_waw",
    "before_ends_with_colon",
    "before_headline_shaped",
    "after_headline_shaped",
    "relative_position",
    "paragraphs_after",
    "headline_shaped_lines",
    "furniture_before",
    "furniture_after",
    "after_words",
    "before_words",
)
CORPUS_FEATURES = (
    "before_cosine",
    "after_cosine",
    "before_logit",
    "after_logit",
    "before_kept",
    "after_kept",
    "about_neither",
    "after_block_kept",
    "before_block_kept",
    "after_block_logit",
    "before_block_logit",
    "after_block_cosine",
    "before_block_cosine",
    "known_terms",
    "terms_elsewhere",
    "article_kept",
    "best_logit",
    "best_far_logit",
    "best_cosine",
    "mean_kept",
    "title_logit",
)
FEATURES = (*SHAPE_FEATURES, *PLACE_FEATURES, *CORPUS_FEATURES)


@dataclass(frozen=True, slots=True)
class Line:
    """The article as the stray-headline evidence reads it: its paragraphs' texts, the title (or None), and for each
    paragraph whether a removed furniture line lies right before it and right after it."""

    paragraphs: Sequence[str]
    title: str | None
    furniture_before: Sequence[bool]
    furniture_after: Sequence[bool]


def candidates(paragraphs: Sequence[str]) -> list[int]:
    """Indices of the paragraphs shaped like a headline, the only ones the model judges (none in a text of one)."""
    if len(paragraphs) < 2:
        return []
    return [index for index, text in enumerate(paragraphs) if furniture.reads_as_subheading(text)]


def features(article: Line, indices: Sequence[int]) -> list[list[float]]:
    """One row of FEATURES per paragraph index of `indices` (each one of candidates())."""
    from service.text.semantic import article_terms

    texts = [*([article.title] if article.title is not None else []), *article.paragraphs]
    shift = len(texts) - len(article.paragraphs)
    terms = article_terms(texts)
    size = len(texts)
    shaped = sum(furniture.reads_as_subheading(text) for text in article.paragraphs)
    rows = []
    for index in indices:
        rows.append(
            _shape(article.paragraphs[index])
            + _place(article, index, shaped)
            + _corpus(terms, index + shift, size, shift)
        )
    return rows


def _shape(line: str) -> list[float]:
    return [
        float(furniture.word_count(line)),
        float(len(line)),
        float("?" in line or "؟" in line),
        float(":" in line),
        float(any(mark in line for mark in '"«»“”')),
        float(any(char.isdigit() for char in line)),
        float(normalize(line).startswith("و")),
    ]


def _place(article: Line, index: int, shaped: int) -> list[float]:
    paragraphs, count = article.paragraphs, len(article.paragraphs)
    before = paragraphs[index - 1] if index else ""
    after = paragraphs[index + 1] if index + 1 < count else ""
    return [
        float(furniture.reads_as_prose(after)),
        float(bool(after) and normalize(after).startswith("و")),
        float(before.rstrip().endswith(":")),
        float(bool(before) and furniture.reads_as_subheading(before)),
        float(bool(after) and furniture.reads_as_subheading(after)),
        index / max(1, count - 1),
        float(count - 1 - index),
        float(shaped),
        float(article.furniture_before[index]),
        float(article.furniture_after[index]),
        float(furniture.word_count(after)),
        float(furniture.word_count(before)),
    ]


def _corpus(terms: ArticleTerms, at: int, size: int, first: int) -> list[float]:
    """Corpus evidence of text `at` of the article's texts (the title first when `first` is 1) against the rest."""
    import numpy as np

    def span(start: int, stop: int) -> tuple[np.ndarray, np.ndarray]:
        return terms.spans(np.array([max(0, start)]), np.array([min(size, stop)]))

    line = span(at, at + 1)
    neighbours = [span(at - 1, at) if at > first else span(at, at), span(at + 1, at + 2)]
    blocks = [span(max(first, at - BLOCK), at), span(at + 1, at + 1 + BLOCK)]
    near = [terms.pair(side, line) for side in neighbours]
    wide = [terms.pair(side, line) for side in blocks]
    others = np.array([index for index in range(size) if index != at], dtype=np.int64)
    against = terms.pair(
        terms.spans(others, others + 1), terms.spans(np.full(len(others), at), np.full(len(others), at + 1))
    )
    far = np.abs(others - at) > 1
    everything_else = terms.running_counts[size][None, :] - line[0]
    known = float((line[0] > 0).sum())
    elsewhere = float(((line[0] > 0) & (everything_else > 0)).sum()) / max(1.0, known)
    logits = [float(values["pair_logit"][0]) for values in near]
    return [
        float(near[0]["vector_cosine"][0]),
        float(near[1]["vector_cosine"][0]),
        logits[0],
        logits[1],
        float(terms.kept_sum(neighbours[0][0], line[0])[0]),
        float(terms.kept_sum(neighbours[1][0], line[0])[0]),
        -max(logits),
        float(terms.kept_sum(blocks[1][0], line[0])[0]),
        float(terms.kept_sum(blocks[0][0], line[0])[0]),
        float(wide[1]["pair_logit"][0]),
        float(wide[0]["pair_logit"][0]),
        float(wide[1]["vector_cosine"][0]),
        float(wide[0]["vector_cosine"][0]),
        known,
        elsewhere,
        float(terms.kept_sum(everything_else, line[0])[0]),
        float(against["pair_logit"].max()) if len(others) else 0.0,
        float(against["pair_logit"][far].max()) if far.any() else 0.0,
        float(against["vector_cosine"].max()) if len(others) else 0.0,
        float(against["kept_next_sum"].mean()) if len(others) else 0.0,
        float(against["pair_logit"][0]) if first and len(others) else 0.0,
    ]


@dataclass(frozen=True, slots=True)
class StrayModel:
    """Boosted trees over FEATURES: log-odds = bias + rate * (sum of the trees' leaves); a line whose probability
    of being a stray headline reaches `threshold` is furniture."""

    trees: Trees
    bias: float
    rate: float
    threshold: float

    def probabilities(self, rows: Sequence[Sequence[float]]) -> list[float]:
        import numpy as np

        if not rows:
            return []
        table = np.asarray(rows, dtype=np.float64).reshape(-1, len(FEATURES))
        odds = self.bias + self.rate * self.trees.total(table)
        return [float(value) for value in 1.0 / (1.0 + np.exp(-odds))]


def model_from_json(data: dict[str, Any]) -> StrayModel:
    """A StrayModel from the JSON benchmarks/train_stray.py writes; ValueError when made for other FEATURES."""
    from service.text.boundary import Trees

    if list(data["features"]) != list(FEATURES):
        raise ValueError(f"{MODEL_FILE} was trained on other features than stray.FEATURES: retrain it")
    return StrayModel(
        Trees.from_json(data["trees"]), float(data["bias"]), float(data["rate"]), float(data["threshold"])
    )


@functools.cache
def stray_model() -> StrayModel:
    """The committed model (service/text/stray_model.json), read once."""
    text = resources.files("service.text").joinpath(MODEL_FILE).read_text(encoding="utf-8")
    return model_from_json(json.loads(text))


def stray_lines(article: Line, model: StrayModel | None = None) -> list[int]:
    """Indices of the paragraphs that are stray headlines, in order; never every paragraph of the article."""
    indices = candidates(article.paragraphs)
    if not indices or len(indices) > MAX_CANDIDATES or len(article.paragraphs) > MAX_PARAGRAPHS:
        return []
    model = model or stray_model()
    found = [
        index
        for index, probability in zip(indices, model.probabilities(features(article, indices)), strict=True)
        if probability >= model.threshold
    ]
    return [] if len(found) == len(article.paragraphs) else found
