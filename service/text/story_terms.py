"""One article's terms under the corpus model, as small dense tables, and the pair evidence computed on them.

An article of a few dozen paragraphs holds a few hundred distinct known terms. The model's per-term numbers for those
are gathered once into arrays indexed by the article's own term numbering, and every comparison runs batched: one
row per (story, paragraph) pair, so all gaps of an article cost a handful of numpy operations.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from service.text.corpus_model import CorpusModel
from service.text.corpus_terms import fold, terms

# Cosines and kept-term scores need a few known words to mean anything; below this a side counts as empty.
MIN_TERMS = 2
# The terms that stand for what a story is about: the most repeated of those a story tends to keep.
FOCUS_TERMS = 5
PAIR_KEYS = ("vector_cosine", "overlap", "kept_next", "kept_next_sum", "kept_context", "pair_logit")

# A batch of texts: (term counts [rows, terms], idf-weighted vector sums [rows, dimensions]).
Sides = tuple[np.ndarray, np.ndarray]


class TermTables:
    """The model's per-term numbers gathered for a set of model rows: `tables[name][t]` is for row `rows[t]`."""

    def __init__(self, rows: np.ndarray, model: CorpusModel) -> None:
        self.rows, self.model = rows, model
        self.tables = {name: values[rows] for name, values in model.terms.items()}

    def pair(self, context: Sides, paragraph: Sides) -> dict[str, np.ndarray]:
        """PAIR_KEYS, one value per row, for each context row against the same paragraph row; 0.0 where either
        side has fewer than MIN_TERMS known terms."""
        context_mask, paragraph_mask = context[0] > 0, paragraph[0] > 0
        context_size, paragraph_size = context_mask.sum(axis=1), paragraph_mask.sum(axis=1)
        valid = (context_size >= MIN_TERMS) & (paragraph_size >= MIN_TERMS)
        shared = context_mask & paragraph_mask
        idf = self.tables["idf"]
        kept_next = np.where(shared, self.tables["next_shared"], self.tables["next_unshared"]) * paragraph_mask
        kept_context = np.where(shared, self.tables["context_shared"], self.tables["context_unshared"]) * context_mask
        values = {
            "vector_cosine": cosines(context[1], paragraph[1]),
            "overlap": (shared * idf).sum(axis=1) / np.maximum((paragraph_mask * idf).sum(axis=1), 1e-9),
            "kept_next": kept_next.sum(axis=1) / np.maximum(paragraph_size, 1),
            "kept_next_sum": kept_next.sum(axis=1),
            "kept_context": kept_context.sum(axis=1) / np.maximum(context_size, 1),
        }
        features = np.stack([values[name] for name in self.model.pair_names], axis=1)
        values["pair_logit"] = self.model.pair_bias + features @ self.model.pair_weights
        return {name: np.where(valid, value, 0.0) for name, value in values.items()}

    def kept_sum(self, context: np.ndarray, paragraph: np.ndarray, side: str = "next") -> np.ndarray:
        """Per row, the summed kept-term log-likelihood ratios of the `side` terms ("next": the paragraph's,
        "context": the context's) given the other side; 0.0 where either side is empty."""
        context_mask, paragraph_mask = context > 0, paragraph > 0
        shared = context_mask & paragraph_mask
        scores = np.where(shared, self.tables[f"{side}_shared"], self.tables[f"{side}_unshared"])
        summed = (scores * (paragraph_mask if side == "next" else context_mask)).sum(axis=1)
        return np.where(context_mask.any(axis=1) & paragraph_mask.any(axis=1), summed, 0.0)


class ArticleTerms(TermTables):
    """An article's paragraphs as running totals of term counts and of idf-weighted word vectors.

    spans(starts, stops) reads any batch of contiguous paragraph ranges from them at the cost of one subtraction.
    """

    def __init__(self, paragraphs: Sequence[str], model: CorpusModel) -> None:
        found = [[fold(term, model.index) for term, _ in terms(text)] for text in paragraphs]
        per_paragraph = [np.array([row for row in rows if row is not None], dtype=np.int64) for rows in found]
        everything = np.concatenate(per_paragraph) if per_paragraph else np.zeros(0, dtype=np.int64)
        rows, inverse = np.unique(everything, return_inverse=True)
        super().__init__(rows, model)
        counts = np.zeros((len(per_paragraph) + 1, len(rows)), dtype=np.float32)
        owner = np.repeat(np.arange(1, len(per_paragraph) + 1), [len(rows) for rows in per_paragraph])
        np.add.at(counts, (owner, inverse), 1.0)
        self.running_counts = np.cumsum(counts, axis=0)
        self.running_vectors = np.cumsum((counts * self.tables["idf"]) @ model.vectors[rows], axis=0)
        self.size = len(per_paragraph)

    def spans(self, starts: np.ndarray, stops: np.ndarray) -> Sides:
        """(counts, vectors) of paragraphs starts[g] .. stops[g] - 1 read as one text, per g; empty if start >= stop."""
        stops = np.maximum(starts, stops)
        return (
            self.running_counts[stops] - self.running_counts[starts],
            self.running_vectors[stops] - self.running_vectors[starts],
        )

    def focus(self, story_counts: np.ndarray) -> np.ndarray:
        """Per row, a mask of the story's FOCUS_TERMS focus terms: count times how much stories keep the term."""
        weight = story_counts * np.maximum(self.tables["next_shared"], 0.0)
        top = np.argsort(-weight, axis=1, kind="stable")[:, :FOCUS_TERMS]
        mask = np.zeros(weight.shape, dtype=bool)
        np.put_along_axis(mask, top, np.take_along_axis(weight, top, axis=1) > 0, axis=1)
        return mask


def cosines(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Row-wise cosines of two batches of vectors; 0.0 where either row is zero."""
    norms = np.sqrt((left * left).sum(axis=1) * (right * right).sum(axis=1))
    return np.where(norms > 0, (left * right).sum(axis=1) / np.maximum(norms, 1e-30), 0.0)
