"""Split an article's paragraphs into topical sections: lexical cohesion plus evidence that a new story starts.

The split maximises the cohesion of its sections (cohesion.segment_scores) plus, at each section start, an
opening bonus from the boundary model (boundary.py) over the evidence of evidence.py: how the paragraph opens,
whether a subheading introduces it, whom and what it is about, how much it shares with what came before. The model
is fitted on real multi-story articles by benchmarks/train_segmenter.py.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from service.text import cues
from service.text.clean import CleanedText
from service.text.cohesion import cosine_of, dot_matrix, paragraph_vectors, segment_scores
from service.text.evidence import Paragraph, boundary_features
from service.text.keywords import section_keywords
from service.text.lexicon import ContentWord, spans_content_words
from service.text.spans import Span

if TYPE_CHECKING:
    # boundary.py needs numpy: imported when the first article is segmented, so importing service.text stays light.
    from service.text.boundary import BoundaryModel

# Cost of a one-paragraph section: a story rarely fits in one paragraph, a stray paragraph often looks alone.
SINGLE_PARAGRAPH_COST = 0.15
# A wire dateline ("القاهرة (رويترز) -") inside a text starts another filed story. The real articles the boundary
# model learns from carry datelines only in their first paragraph, so it cannot weigh one: this bonus, in the units
# of cohesion.segment_scores, is set by hand on the synthetic dev set (openings of wire stories joined).
DATELINE_BONUS = 0.3
# Cohesion costs O(n^2) time and memory in scored units. Real articles have a few dozen paragraphs (the dev set's
# longest 21); a list of thousands of one-word lines is scored as this many runs of consecutive paragraphs, so it
# stays fast and a section boundary falls between runs.
MAX_SCORED_UNITS = 200


@dataclass(frozen=True, slots=True)
class SectionSpan:
    """One topical section: source[start:end], its keywords, and the article paragraphs it covers.

    `text` may include furniture lines that lie between its paragraphs; `paragraphs` never does, and is what a
    summarizer should read. `heading` is the text of the first paragraph when it is a subheading (one of
    CleanedText.headings), else None. `confidence` is the calibrated probability that a story really changes where
    this section opens (of the boundaries given 0.8, about 80% are ones an editor would keep); the first section's
    opening is certain, 1.0.
    """

    start: int
    end: int
    text: str
    keywords: list[str]
    paragraphs: list[Span]
    heading: str | None = None
    confidence: float = 1.0


def segment(
    cleaned: CleanedText, max_sections: int | None = None, model: BoundaryModel | None = None
) -> list[SectionSpan]:
    """Split the article paragraphs into topical sections, in order, covering every paragraph exactly once.

    There is at least one section whenever there is at least one paragraph and never more than `max_sections`
    (None lets the text decide; a one-story article gives one section). Offsets index `cleaned.source`. The words
    of a wire dateline that opens a paragraph count neither for cohesion nor as keywords. A subheading
    (cleaned.headings) stays with the paragraph it introduces and opens its section when that paragraph does.
    `model` replaces the committed boundary model (benchmarks/train_segmenter.py tries candidates with it).
    Raises ValueError when max_sections is below 1.
    """
    if max_sections is not None and max_sections < 1:
        raise ValueError(f"max_sections must be at least 1, got {max_sections}")
    # A subheading is scored as part of the paragraph it introduces, so a section can never end on one.
    introduced = cleaned.headings_before()
    paragraphs = cleaned.headings_aside().paragraphs
    if not paragraphs:
        return []
    datelines = [cues.dateline_length(span.text[: cues.OPENING_CHARS]) for span in paragraphs]
    # A dateline is shared by stories of one outlet and tells nothing of their topic: its words are left out.
    ranges = [(span.start + skip, span.end) for span, skip in zip(paragraphs, datelines, strict=True)]
    words = spans_content_words(cleaned.source, ranges)
    for index, span in enumerate(paragraphs):
        if span.start in introduced:
            headings = spans_content_words(cleaned.source, [(h.start, h.end) for h in introduced[span.start]])
            words[index] = [word for heading in headings for word in heading] + words[index]
    units = _scored_units(len(paragraphs))
    unit_words = [[word for index in range(a, b) for word in words[index]] for a, b in units]
    dots = dot_matrix(paragraph_vectors(unit_words))
    cohesion = segment_scores(cosine_of(dots))
    evidence = [
        _unit_evidence(cleaned, paragraphs, a, unit_words[k], datelines[a] > 0, paragraphs[a].start in introduced)
        for k, (a, _) in enumerate(units)
    ]
    if model is None:
        from service.text.boundary import boundary_model

        model = boundary_model()
    features = boundary_features(evidence, dots)
    bonuses = opening_bonuses(evidence, features, model)
    starts = best_starts(cohesion, bonuses, None)
    if max_sections is not None and len(starts) > max_sections:
        starts = best_starts(cohesion, bonuses, max_sections)
    odds = list(model.log_odds(features)) if features else []
    confidences = [1.0 if unit == 0 else model.confidence(float(odds[unit - 1])) for unit in starts]
    firsts = [a for a, _ in units]
    starts = [firsts[unit] for unit in starts]
    bounds = list(zip(starts, [*starts[1:], len(paragraphs)], strict=True))
    keywords = section_keywords([[word for index in range(a, b) for word in words[index]] for a, b in bounds])
    pieces = zip(bounds, keywords, confidences, strict=True)
    return [_section(cleaned.source, paragraphs[a:b], terms, introduced, sure) for (a, b), terms, sure in pieces]


def _scored_units(count: int) -> list[tuple[int, int]]:
    """Paragraph ranges [a, b) scored as one unit each: one paragraph per unit up to MAX_SCORED_UNITS."""
    size = -(-count // MAX_SCORED_UNITS)
    return [(a, min(a + size, count)) for a in range(0, count, size)]


def _section(
    source: str, scored: list[Span], keywords: list[str], introduced: dict[int, list[Span]], confidence: float
) -> SectionSpan:
    heading = introduced[scored[0].start][0].text if scored[0].start in introduced else None
    paragraphs = [span for paragraph in scored for span in [*introduced.get(paragraph.start, []), paragraph]]
    start, end = paragraphs[0].start, paragraphs[-1].end
    return SectionSpan(
        start=start,
        end=end,
        text=source[start:end],
        keywords=keywords,
        paragraphs=paragraphs,
        heading=heading,
        confidence=round(confidence, 3),
    )


def _unit_evidence(
    cleaned: CleanedText, paragraphs: list[Span], a: int, words: list[ContentWord], dateline: bool, headed: bool
) -> Paragraph:
    """What the boundary model reads of the unit that starts at paragraphs[a] (subheadings set aside).

    `words` are the unit's content words, its subheadings' included; `headed` says a subheading introduces it.
    """
    first = paragraphs[a]
    previous_end = paragraphs[a - 1].end if a else first.start
    furniture_before = any(previous_end <= span.start and span.end <= first.start for span in cleaned.removed)
    return Paragraph(first.text, words, headed, bool(a) and furniture_before, dateline)


def opening_bonuses(evidence: list[Paragraph], features: list[list[float]], model: BoundaryModel) -> list[float]:
    """Opening bonus of each unit as a section start (0.0 for the first, which always starts one).

    The model's bonus from the unit's evidence.boundary_features(), plus DATELINE_BONUS for a wire dateline.
    """
    bonuses = list(model.bonuses(features)) if features else []
    return [0.0] + [
        float(bonus) + (DATELINE_BONUS if paragraph.dateline else 0.0)
        for paragraph, bonus in zip(evidence[1:], bonuses, strict=True)
    ]


def best_starts(cohesion: list[list[float]], bonuses: list[float], most: int | None) -> list[int]:
    """First paragraph of each section in the highest-scoring split into at most `most` sections (None: any).

    A split scores the cohesion of its sections plus the opening bonus of every section but the first, minus
    SINGLE_PARAGRAPH_COST per one-paragraph section. Dynamic programming over section ends finds the best
    split exactly: O(n^2) steps for any number of sections, O(most * n^2) with a limit.
    """
    n = len(bonuses)

    def gain(a: int, b: int) -> float:
        """Score of paragraphs a..b-1 as one section, its opening bonus included."""
        cost = SINGLE_PARAGRAPH_COST if b - a == 1 else 0.0
        return cohesion[a][b - 1] + (bonuses[a] if a else 0.0) - cost

    if most is None:
        # best[b], back[b]: the best split of paragraphs 0..b-1 and the start of its last section.
        best = [0.0] + [gain(0, b) for b in range(1, n + 1)]
        back = [0] * (n + 1)
        for b in range(2, n + 1):
            for a in range(1, b):
                if (value := best[a] + gain(a, b)) > best[b]:
                    best[b], back[b] = value, a
        return _trace([back] * n, n)
    # Layer k holds the best splits into exactly k + 1 sections.
    layers = [[-math.inf] + [gain(0, b) for b in range(1, n + 1)]]
    backs = [[0] * (n + 1)]
    for _ in range(1, min(most, n)):
        previous, layer, back = layers[-1], [-math.inf] * (n + 1), [0] * (n + 1)
        for b in range(2, n + 1):
            for a in range(1, b):
                if (value := previous[a] + gain(a, b)) > layer[b]:
                    layer[b], back[b] = value, a
        layers.append(layer)
        backs.append(back)
    count = max(range(len(layers)), key=lambda k: layers[k][n])
    return _trace(backs[: count + 1][::-1], n)


def _trace(backs: list[list[int]], n: int) -> list[int]:
    """Section starts read back from the end: backs[i] serves the i-th section counted from the last."""
    starts: list[int] = []
    end = n
    for back in backs:
        end = back[end]
        starts.append(end)
        if end == 0:
            break
    return starts[::-1]
