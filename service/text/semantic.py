"""Evidence from the corpus model (service/text/corpus_model.py) that a paragraph starts a new story.

Three kinds, each a few numbers per comparison:
- word vectors: the cosine between idf-weighted mean vectors of a context and a paragraph (topic);
- kept terms: for each term of the paragraph, how much more often a story keeps it from its context than a
  different story of the same outlet, category and week does (and the same for the context's terms). Learned
  from the corpus, this weighs names, teams and places that a story holds over the words all stories share;
- the corpus pair model: a logistic fit on corpus pairs that reads both sides' features together, the
  log-odds that the paragraph continues the context's story.

Positive numbers mean "same story" throughout. Everything is numpy; the model loads on first use.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from service.text import corpus_model
from service.text.corpus_model import CorpusModel
from service.text.corpus_terms import fold, terms

# Paragraphs before a gap that stand for the story so far when the caller has no better idea of where it began.
WINDOW = 3
# Paragraphs after a paragraph that stand for what follows it.
AHEAD = 2
# Cosines and kept-term scores need a few known words to mean anything; below this a side counts as empty.
_MIN_ROWS = 2


@dataclass(frozen=True, slots=True)
class Bag:
    """The known terms of one or more paragraphs: distinct vocabulary rows and their idf-weighted vector sum."""

    rows: np.ndarray
    vector: np.ndarray

    def __add__(self, other: Bag) -> Bag:
        return Bag(np.union1d(self.rows, other.rows), self.vector + other.vector)


def bag(text: str, model: CorpusModel | None = None) -> Bag:
    """The Bag of `text` under `model` (default: the shipped one)."""
    model = model or corpus_model.load()
    found = [fold(term, model.index) for term, _ in terms(text)]
    rows = np.array([row for row in found if row is not None], dtype=np.int64)
    weights = model.terms["idf"][rows]
    return Bag(np.unique(rows), weights @ model.vectors[rows])


def combine(bags: Sequence[Bag], model: CorpusModel | None = None) -> Bag:
    """One Bag for several paragraphs read as one text."""
    model = model or corpus_model.load()
    total = Bag(np.zeros(0, dtype=np.int64), np.zeros(model.vectors.shape[1], dtype=np.float32))
    for one in bags:
        total = total + one
    return total


def pair_features(context: Bag, paragraph: Bag, model: CorpusModel | None = None) -> dict[str, float]:
    """Evidence that `paragraph` continues the story of `context`, by name (see the module docstring).

    vector_cosine: topic cosine in [-1, 1]. overlap: share of the paragraph's idf mass found in the context.
    kept_next / kept_context: mean log-likelihood ratio (same story vs other) of the paragraph's terms being in
    the context or not, and of the context's terms being in the paragraph or not. pair_logit: the corpus pair
    model's log-odds of "same story". All 0.0 when either side has fewer than two known words.
    """
    model = model or corpus_model.load()
    values = dict.fromkeys(("vector_cosine", "overlap", "kept_next", "kept_context"), 0.0)
    if len(context.rows) >= _MIN_ROWS and len(paragraph.rows) >= _MIN_ROWS:
        values["vector_cosine"] = _cosine(context.vector, paragraph.vector)
        inside = np.isin(paragraph.rows, context.rows, assume_unique=True)
        idf = model.terms["idf"][paragraph.rows]
        values["overlap"] = float(idf[inside].sum() / max(float(idf.sum()), 1e-9))
        values["kept_next"] = _kept(model, "next", paragraph.rows, inside)
        kept = np.isin(context.rows, paragraph.rows, assume_unique=True)
        values["kept_context"] = _kept(model, "context", context.rows, kept)
    values["pair_logit"] = pair_logit(values, model) if values["vector_cosine"] else 0.0
    return values


def pair_logit(values: dict[str, float], model: CorpusModel | None = None) -> float:
    """The corpus pair model's log-odds that a paragraph continues a context, from pair_features()' values."""
    model = model or corpus_model.load()
    features = np.array([values[name] for name in model.pair_names])
    return float(model.pair_bias + features @ model.pair_weights)


def gap_evidence(paragraphs: Sequence[str], model: CorpusModel | None = None) -> list[dict[str, float]]:
    """Evidence for each gap of an article: entry i - 1 is about the gap before paragraph i (i = 1 .. n - 1).

    Each holds pair_features() of the WINDOW paragraphs before the gap against paragraph i, plus `ahead_cosine`
    (paragraph i against the AHEAD paragraphs after it; 0.0 at the end) and `ahead_margin` (ahead_cosine minus
    vector_cosine: a new story's opening is about what follows, not what precedes), and `previous_*`: the same
    pair features against paragraph i - 1 alone.
    """
    model = model or corpus_model.load()
    bags = [bag(text, model) for text in paragraphs]
    evidence = []
    for i in range(1, len(bags)):
        values = pair_features(combine(bags[max(0, i - WINDOW) : i], model), bags[i], model)
        previous = pair_features(bags[i - 1], bags[i], model)
        values.update({f"previous_{name}": value for name, value in previous.items()})
        ahead = combine(bags[i + 1 : i + 1 + AHEAD], model)
        values["ahead_cosine"] = _cosine(bags[i].vector, ahead.vector) if len(ahead.rows) >= _MIN_ROWS else 0.0
        values["ahead_margin"] = values["ahead_cosine"] - values["vector_cosine"]
        evidence.append(values)
    return evidence


def headline_evidence(before: str, line: str, after: str, model: CorpusModel | None = None) -> dict[str, float]:
    """How much a lone short line is about the paragraph before it and the one after it.

    A subheading is about what follows (high `after_*`); a stray headline of another story is about neither.
    Keys: before_cosine, after_cosine, before_logit, after_logit (pair model, the line as the paragraph), and
    `about_neither`: minus the larger of the two logits.
    """
    model = model or corpus_model.load()
    line_bag = bag(line, model)
    before_values = pair_features(bag(before, model), line_bag, model)
    after_values = pair_features(bag(after, model), line_bag, model)
    return {
        "before_cosine": before_values["vector_cosine"],
        "after_cosine": after_values["vector_cosine"],
        "before_logit": before_values["pair_logit"],
        "after_logit": after_values["pair_logit"],
        "about_neither": -max(before_values["pair_logit"], after_values["pair_logit"]),
    }


def _cosine(left: np.ndarray, right: np.ndarray) -> float:
    norms = float(np.linalg.norm(left) * np.linalg.norm(right))
    return float(left @ right) / norms if norms > 0 else 0.0


def _kept(model: CorpusModel, side: str, rows: np.ndarray, shared: np.ndarray) -> float:
    scores = np.where(shared, model.terms[f"{side}_shared"][rows], model.terms[f"{side}_unshared"][rows])
    return float(scores.mean())
