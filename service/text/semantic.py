"""Evidence from the corpus model (service/text/corpus_model.py) that a paragraph starts a new story.

Kinds of evidence, each a few numbers per comparison of a story (one or more paragraphs) with a paragraph:
- word vectors: the cosine between idf-weighted mean vectors (topic), `vector_cosine`;
- kept terms: for each term of the paragraph, how much more often a story keeps it from its context than a
  different story of the same outlet, category and week does (and the same for the context's terms). Learned
  from the corpus, this weighs names, teams and places that a story holds over the words all stories share:
  `kept_next`, `kept_next_sum`, `kept_context`; and whether the story's focus terms go on (`focus_kept`);
- the corpus pair model: a logistic fit on corpus pairs that reads both sides' numbers together, `pair_logit`;
- what follows: a new story's opening is about the paragraphs after it, not those before (`ahead_*`).

Positive numbers mean "same story" throughout, except the `ahead_*` margins (positive: new story). Everything is
numpy; the model loads on first use.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from service.text import corpus_model
from service.text.corpus_model import CorpusModel
from service.text.corpus_terms import fold, terms
from service.text.story_terms import MIN_TERMS, ArticleTerms, TermTables, cosines

# Paragraphs before a gap that stand for the story so far when the caller has no better idea of where it began.
WINDOW = 3
# A longer story so far, for the few kinds of evidence that gain from seeing more of it (`long_*`).
LONG_WINDOW = 6
LONG_KEYS = ("kept_next_sum", "kept_context", "pair_logit", "focus_kept", "block_kept_sum", "ahead_story_margin")
# Paragraphs after a paragraph that stand for what follows it.
AHEAD = 2


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
    kept_next (mean) / kept_next_sum: log-likelihood ratios (same story vs other) of the paragraph's terms being in
    the context or not; kept_context: the mean of the same for the context's terms. pair_logit: the corpus pair
    model's log-odds of "same story". All 0.0 when either side has fewer than two known words.
    """
    model = model or corpus_model.load()
    rows = np.union1d(context.rows, paragraph.rows)
    values = TermTables(rows, model).pair(
        (np.isin(rows, context.rows)[None, :], context.vector[None, :]),
        (np.isin(rows, paragraph.rows)[None, :], paragraph.vector[None, :]),
    )
    return {name: float(value[0]) for name, value in values.items()}


def article_terms(paragraphs: Sequence[str], model: CorpusModel | None = None) -> ArticleTerms:
    """The tables story_features() reads, for an article's paragraphs; build once per article (about 1 ms)."""
    return ArticleTerms(paragraphs, model or corpus_model.load())


def story_features(article: ArticleTerms, start: int, i: int) -> dict[str, float]:
    """Evidence that paragraph `i` continues the story made of paragraphs start .. i - 1 (start < i).

    PAIR_KEYS of the story against paragraph i, and:
    - focus_kept: share of the story's focus terms (its most repeated kept terms) in paragraph i or the AHEAD
      paragraphs after it (a digression inside a story comes back to them, a new story does not);
    - ahead_cosine: paragraph i against the AHEAD paragraphs after it (0.0 at the end);
    - ahead_margin: ahead_cosine minus vector_cosine (positive: i is about what follows more than the story);
    - ahead_kept_margin: paragraph i's terms kept in what follows minus kept in the story's last two paragraphs;
    - ahead_story_margin: how well what follows continues paragraph i rather than the story (kept terms);
    - block_kept_sum / block_kept_context: kept-term sums of paragraph i with the AHEAD after it against the story
      (of the block's terms, of the story's terms); story_kept_context_sum: the story's terms against paragraph i;
      lede_kept_sum: paragraph i against the story's first paragraph; article_kept_sum: against every paragraph
      before i; story_paragraphs: the story's length, which the sums grow with.
    """
    if not 0 <= start < i < article.size:
        raise ValueError(f"need 0 <= start < i < {article.size}, got start={start}, i={i}")
    values = stories_features(article, np.array([start]), np.array([i]))
    return {name: float(value[0]) for name, value in values.items()}


def stories_features(article: ArticleTerms, starts: np.ndarray, positions: np.ndarray) -> dict[str, np.ndarray]:
    """story_features() for many pairs at once: the story starts[g]..positions[g] - 1 against paragraph positions[g]."""
    context = article.spans(starts, positions)
    paragraph = article.spans(positions, positions + 1)
    ahead = article.spans(positions + 1, np.minimum(positions + 1 + AHEAD, article.size))
    recent = article.spans(np.maximum(starts, positions - 2), positions)
    values = article.pair(context, paragraph)
    focus = article.focus(context[0])
    reach = (paragraph[0] > 0) | (ahead[0] > 0)
    values["focus_kept"] = (focus & reach).sum(axis=1) / np.maximum(focus.sum(axis=1), 1)
    has_ahead = (ahead[0] > 0).sum(axis=1) >= MIN_TERMS
    values["ahead_cosine"] = np.where(has_ahead, cosines(paragraph[1], ahead[1]), 0.0)
    values["ahead_margin"] = values["ahead_cosine"] - values["vector_cosine"]
    forward = article.kept_sum(paragraph[0], ahead[0], "context")
    values["ahead_kept_margin"] = forward - article.kept_sum(paragraph[0], recent[0], "context")
    margin = article.kept_sum(paragraph[0], ahead[0]) - article.kept_sum(context[0], ahead[0])
    values["ahead_story_margin"] = np.where(has_ahead, margin, 0.0)
    values["ahead_kept_margin"] = np.where(has_ahead, values["ahead_kept_margin"], 0.0)
    values.update(_wider_kept(article, context[0], starts, positions))
    return values


def _wider_kept(
    article: ArticleTerms, story: np.ndarray, starts: np.ndarray, positions: np.ndarray
) -> dict[str, np.ndarray]:
    """Kept-term sums against wider or narrower sides than the story and the paragraph alone."""
    block = article.spans(positions, np.minimum(positions + 1 + AHEAD, article.size))[0]
    paragraph = article.spans(positions, positions + 1)[0]
    return {
        # The paragraph with what follows it, against the story: a new story's block holds new terms throughout.
        "block_kept_sum": article.kept_sum(story, block),
        "block_kept_context": article.kept_sum(story, block, "context"),
        "story_kept_context_sum": article.kept_sum(story, paragraph, "context"),
        "lede_kept_sum": article.kept_sum(article.spans(starts, starts + 1)[0], paragraph),
        # Against everything before the paragraph, whatever the story: a new story's terms are new to the article.
        "article_kept_sum": article.kept_sum(article.spans(np.zeros_like(positions), positions)[0], paragraph),
        "story_paragraphs": (positions - starts).astype(np.float64),
    }


def gap_evidence(paragraphs: Sequence[str], model: CorpusModel | None = None) -> list[dict[str, float]]:
    """Evidence for each gap of an article: entry i - 1 is about the gap before paragraph i (i = 1 .. n - 1).

    Each holds story_features() with the WINDOW paragraphs before the gap as the story, `previous_*`: the
    PAIR_KEYS of paragraph i - 1 alone against paragraph i, and `long_*`: LONG_KEYS with the LONG_WINDOW
    paragraphs before the gap as the story. A few milliseconds for a 20-paragraph article.
    """
    article = article_terms(paragraphs, model)
    positions = np.arange(1, article.size)
    values = stories_features(article, np.maximum(positions - WINDOW, 0), positions)
    previous = article.pair(article.spans(positions - 1, positions), article.spans(positions, positions + 1))
    values.update({f"previous_{name}": value for name, value in previous.items()})
    longer = stories_features(article, np.maximum(positions - LONG_WINDOW, 0), positions)
    values.update({f"long_{name}": longer[name] for name in LONG_KEYS})
    names = sorted(values)
    return [{name: float(values[name][g]) for name in names} for g in range(len(positions))]


def headline_evidence(before: str, line: str, after: str, model: CorpusModel | None = None) -> dict[str, float]:
    """How much a lone short line is about the paragraph before it and the one after it.

    A subheading is about what follows (high `after_*`); a stray headline of another story is about neither.
    Keys: before_cosine, after_cosine, before_logit, after_logit (pair model, the line as the paragraph),
    before_kept, after_kept (kept-term sums of the line's terms), and `about_neither`: minus the larger logit.
    """
    article = article_terms([before, line, after], model)
    values = article.pair(
        article.spans(np.array([0, 2]), np.array([1, 3])), article.spans(np.array([1, 1]), np.array([2, 2]))
    )
    cosine, logit, kept = values["vector_cosine"], values["pair_logit"], values["kept_next_sum"]
    return {
        "before_cosine": float(cosine[0]),
        "after_cosine": float(cosine[1]),
        "before_logit": float(logit[0]),
        "after_logit": float(logit[1]),
        "before_kept": float(kept[0]),
        "after_kept": float(kept[1]),
        "about_neither": -float(logit.max()),
    }
