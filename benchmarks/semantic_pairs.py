"""Self-supervised pairs from the corpus, and the small numpy fits the build runs on them.

A positive pair is a story so far (up to semantic.WINDOW paragraphs) and the paragraph that follows it in the same
article. Its negative shares the context but takes a paragraph of another article of the same outlet, category and
ISO week: such articles share places, actors and vocabulary, as the stories of a real roundup do.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Sequence

import numpy as np

from benchmarks.semantic_corpus import Article
from service.text.semantic import WINDOW, Bag

# Gaps taken per article, so that long articles do not dominate.
GAPS_PER_ARTICLE = 6
# Article ids hashing to these tenths: the held-out pairs (AUC), and the pairs the pair model is fitted on.
HELD_OUT, CALIBRATION = 0, 1

Encoded = list[tuple[np.ndarray, np.ndarray]]
Pair = tuple[np.ndarray, np.ndarray, bool]


def split_of(article_id: str) -> int:
    """A stable tenth (0-9) of an article id, independent of the seed and of the rest of the corpus."""
    return hashlib.sha1(article_id.encode("utf-8")).digest()[0] % 10


def corpus_pairs(articles: Sequence[Article], encoded: Sequence[Encoded], seed: int) -> dict[int, list[Pair]]:
    """(context rows, paragraph rows, same story) pairs, by split_of() of the context's article."""
    groups: dict[tuple[str, str, str], list[int]] = defaultdict(list)
    for position, article in enumerate(articles):
        groups[article.group].append(position)
    rng = np.random.default_rng(seed)
    pairs: dict[int, list[Pair]] = defaultdict(list)
    for position, article in enumerate(articles):
        paragraphs = [rows for rows, _ in encoded[position]]
        peers = [peer for peer in groups[article.group] if peer != position]
        if len(paragraphs) < 2 or not peers:
            continue
        gaps = np.arange(1, len(paragraphs))
        if len(gaps) > GAPS_PER_ARTICLE:
            gaps = np.sort(rng.choice(gaps, GAPS_PER_ARTICLE, replace=False))
        split = split_of(article.id)
        for gap in map(int, gaps):
            context = np.concatenate(paragraphs[max(0, gap - WINDOW) : gap])
            other = encoded[peers[int(rng.integers(len(peers)))]]
            pairs[split].append((context, paragraphs[gap], True))
            pairs[split].append((context, other[int(rng.integers(len(other)))][0], False))
    return pairs


def bag_of(rows: np.ndarray, idf: np.ndarray, vectors: np.ndarray) -> Bag:
    """The Bag that service.text.semantic.bag() would make of a paragraph with these vocabulary rows."""
    return Bag(np.unique(rows), idf[rows] @ vectors[rows])


def fit_logistic(features: np.ndarray, labels: np.ndarray, penalty: float = 1e-3) -> np.ndarray:
    """Weights (intercept first) of an L2-penalised logistic regression, by Newton's method: deterministic."""
    design = np.hstack([np.ones((len(features), 1)), features])
    weights = np.zeros(design.shape[1])
    for _ in range(25):
        probability = 1.0 / (1.0 + np.exp(-(design @ weights)))
        gradient = design.T @ (probability - labels) / len(labels) + penalty * weights
        hessian = (design.T * (probability * (1 - probability))) @ design / len(labels) + penalty * np.eye(len(weights))
        weights -= np.linalg.solve(hessian, gradient)
    return weights


def auc(scores: Sequence[float] | np.ndarray, labels: Sequence[bool] | np.ndarray) -> float:
    """Area under the ROC curve of `scores` for the positive `labels` (ties count half); 0.5 if one class is empty."""
    values, truth = np.asarray(scores, dtype=np.float64), np.asarray(labels, dtype=bool)
    positives, negatives = int(truth.sum()), int((~truth).sum())
    if not positives or not negatives:
        return 0.5
    order = np.argsort(values, kind="mergesort")
    ranks = np.empty(len(values))
    sorted_values = values[order]
    # Average ranks over ties.
    _, first, counts = np.unique(sorted_values, return_index=True, return_counts=True)
    average = first + (counts + 1) / 2.0
    ranks[order] = np.repeat(average, counts)
    return float((ranks[truth].sum() - positives * (positives + 1) / 2.0) / (positives * negatives))
