"""The faithful summarizer: a section's summary is one to three of its own sentences, the most central ones.

No model: a sentence's centrality is how much it shares with the other sentences of its section (summed cosine
similarity), over content-word stems (service.text.lexicon) weighted by how rare each word is in Arabic at large
(service.text.rarity), so a sentence about the section's actors and places outranks one made of words every story
uses. Deterministic, pure Python and torch-free; a few milliseconds a section.
"""

from __future__ import annotations

from typing import Any

from service.text import rarity
from service.text.cohesion import cosine_of, dot_matrix
from service.text.lexicon import content_words, spans_content_words
from service.text.sentences import split_sentences
from service.text.spans import Span, line_ranges

NAME = "extractive"
MAX_SENTENCES = 3
# A sentence with fewer content words than this (a caption, a dateline, "وأضاف:") is chosen only when the
# section has nothing longer.
_MIN_CONTENT_WORDS = 4
# A sentence this similar to one already chosen says it again; the next most central one is taken instead.
_REPEATS = 0.6


def sentence_budget(candidates: int) -> int:
    """How many sentences a section of `candidates` sentences gets: 1 up to 3, 2 up to 6, else 3 (0 for none)."""
    return min(MAX_SENTENCES, (candidates + 2) // 3)


def central_sentences(source: str, paragraphs: list[Span], skip: frozenset[int] = frozenset()) -> list[Span]:
    """One to three sentences of `paragraphs` (spans of `source`), the most central, in article order.

    Offsets index `source`; each returned span's text is `source[start:end]`. Paragraphs whose start is in `skip`
    (subheadings) are not read. Ties go to the earlier sentence. [] only when the paragraphs hold no sentence.
    """
    sentences = [s for p in paragraphs if p.start not in skip for s in split_sentences(source, p.start, p.end)]
    if len(sentences) <= 1:
        return sentences
    words = spans_content_words(source, [(s.start, s.end) for s in sentences])
    vectors = [_weighted_stems([(w.surface, w.stem) for w in sentence]) for sentence in words]
    similarity = cosine_of(dot_matrix(vectors))
    candidates = [i for i, sentence in enumerate(words) if len(sentence) >= _MIN_CONTENT_WORDS]
    candidates = candidates or list(range(len(sentences)))
    ranked = sorted(candidates, key=lambda i: (-sum(similarity[i]), i))
    chosen: list[int] = []
    for index in ranked:
        if len(chosen) == sentence_budget(len(candidates)):
            break
        if all(similarity[index][other] <= _REPEATS for other in chosen):
            chosen.append(index)
    return [sentences[i] for i in sorted(chosen)]


def _weighted_stems(words: list[tuple[str, str]]) -> dict[str, float]:
    """Stem -> summed rarity weight of its occurrences in one sentence."""
    vector: dict[str, float] = {}
    for surface, stem in words:
        vector[stem] = vector.get(stem, 0.0) + rarity.weight(surface)
    return vector


def join_sentences(sentences: list[Span]) -> str:
    """The summary text of chosen sentences: their texts joined by a space."""
    return " ".join(sentence.text for sentence in sentences)


class ExtractiveSummarizer:
    """The Summarizer protocol without a model: each text's central sentences, a line of it taken as a paragraph.

    The digest pipeline calls `central_sentences` itself to keep offsets into the article; this class lets a server
    run with KHULASA_SUMMARIZER=extractive, loading no summarizer model at all.
    """

    name = NAME
    device = "cpu"
    tokens_generated = 0

    def describe(self) -> dict[str, Any]:
        return {
            "id": NAME,
            "device": "cpu",
            "kind": "extractive",
            "description": f"1 to {MAX_SENTENCES} of each section's own most central sentences; no model",
        }

    def count_tokens(self, texts: list[str]) -> list[int]:
        """Content words per text: the unit this summarizer reads."""
        return [len(content_words(text)) for text in texts]

    def summarize_batch(self, texts: list[str]) -> list[str]:
        """Per text, in order, its central sentences joined by spaces; "" for a text without any."""
        summaries = []
        for text in texts:
            paragraphs = [Span(start, end, text[start:end]) for start, end in line_ranges(text)]
            summaries.append(join_sentences(central_sentences(text, paragraphs)))
        return summaries
