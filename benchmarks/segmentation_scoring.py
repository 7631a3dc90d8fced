"""Paragraph-level segmentation scoring shared by both data set formats: mapping, metrics, baselines, timing.

A system is any `Sectioner`: a callable from a document's text to the character spans of each section's kept
paragraphs, in order. `service_sections` is the service's own (clean() then segment()); experiments pass theirs.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from service.text import clean, segment

Spans = Sequence[tuple[int, int]]
Sectioner = Callable[[str], list[list[tuple[int, int]]]]
# The speed check of the issue: one article of about this many words, cleaned and segmented.
LONG_ARTICLE_WORDS = 2000
LONG_ARTICLE_RUNS = 20

# The choices both READMEs leave open, in the order each format's PROTOCOL states them.
MAPPING_PROTOCOL = {
    "unit": "gold paragraph, given the section covering most of its characters; one removed as furniture takes "
    "its predecessor's section (section 0 when first); ties go to the earlier section",
    "k": "half the mean gold segment length of each document in paragraphs, rounded half up, at least 2",
    "pk_window_diff": "computed per document, averaged over documents",
    "count_accuracy": "sections after the paragraph mapping == gold sections",
    "boundary_f1": "exact paragraph-boundary positions, micro-averaged over all documents",
    "even_split": "round(paragraphs / the dataset's mean gold segment length) even sections, at least 1",
}
SPEED_PROTOCOL = "clean() + segment() only, one process, pinned to one CPU where the OS allows"


def service_sections(text: str) -> list[list[tuple[int, int]]]:
    """The service's sections of `text` (clean() then segment()): each section's kept paragraphs as spans."""
    return [[(span.start, span.end) for span in section.paragraphs] for section in segment(clean(text))]


def timed_sections(text: str, sectioner: Sectioner) -> tuple[list[list[tuple[int, int]]], float]:
    """`sectioner(text)` and the seconds it took."""
    began = time.perf_counter()
    sections = sectioner(text)
    return sections, time.perf_counter() - began


def locate(text: str, paragraphs: Sequence[str]) -> list[tuple[int, int]]:
    """(start, end) of each paragraph in `text`, searched in order; raises ValueError if one is missing."""
    spans: list[tuple[int, int]] = []
    position = 0
    for paragraph in paragraphs:
        start = text.index(paragraph, position)
        position = start + len(paragraph)
        spans.append((start, position))
    return spans


def overlap(start: int, end: int, spans: Spans) -> int:
    """Characters of [start, end) that lie inside `spans`."""
    return sum(max(0, min(end, b) - max(start, a)) for a, b in spans)


def paragraph_sections(paragraphs: Spans, sections: Sequence[Spans]) -> list[int]:
    """Index of the section that covers most characters of each gold paragraph (ties: the earlier section).

    `sections` holds the character spans of each system section's kept paragraphs. A gold paragraph that no
    section covers (removed as furniture) takes its predecessor's section, or section 0 when it comes first.
    """
    labels: list[int] = []
    for start, end in paragraphs:
        overlaps = [overlap(start, end, spans) for spans in sections]
        best = max(range(len(overlaps)), key=lambda index: (overlaps[index], -index), default=-1)
        if best < 0 or not overlaps[best]:
            best = labels[-1] if labels else 0
        labels.append(best)
    return labels


def segment_lengths(labels: Sequence[int]) -> list[int]:
    """Lengths in paragraphs of the runs of equal labels, in order."""
    lengths: list[int] = []
    for index, label in enumerate(labels):
        if index and label == labels[index - 1]:
            lengths[-1] += 1
        else:
            lengths.append(1)
    return lengths


def mean_segment_length(references: Sequence[Sequence[int]]) -> float:
    """Mean length in paragraphs of the gold segments of all documents together (the even-split baseline's size)."""
    lengths = [length for reference in references for length in segment_lengths(reference)]
    return sum(lengths) / len(lengths)


def window_size(reference: Sequence[int]) -> int:
    """k for Pk and WindowDiff: half the mean gold segment length, rounded half up, at least 2."""
    lengths = segment_lengths(reference)
    return max(2, int(len(reference) / len(lengths) / 2 + 0.5))


def pk(reference: Sequence[int], hypothesis: Sequence[int], k: int) -> float:
    """Beeferman's Pk: share of the n - k pairs k apart that one side puts together and the other not (0.0 if none)."""
    windows = len(reference) - k
    if windows <= 0:
        return 0.0
    misses = sum((reference[i] == reference[i + k]) != (hypothesis[i] == hypothesis[i + k]) for i in range(windows))
    return misses / windows


def window_diff(reference: Sequence[int], hypothesis: Sequence[int], k: int) -> float:
    """Pevzner and Hearst's WindowDiff: share of the n - k windows whose boundary counts differ (0.0 if none)."""
    windows = len(reference) - k
    if windows <= 0:
        return 0.0
    # marks[i] is 1 when paragraphs i and i + 1 lie in different sections.
    ref_marks = [int(reference[i] != reference[i + 1]) for i in range(len(reference) - 1)]
    hyp_marks = [int(hypothesis[i] != hypothesis[i + 1]) for i in range(len(hypothesis) - 1)]
    misses = sum(sum(ref_marks[i : i + k]) != sum(hyp_marks[i : i + k]) for i in range(windows))
    return misses / windows


def boundaries(labels: Sequence[int]) -> set[int]:
    """Paragraph indices that start a new section (never 0)."""
    return {index for index in range(1, len(labels)) if labels[index] != labels[index - 1]}


def f1(true_positives: int, false_positives: int, false_negatives: int) -> float:
    """F1 from counts; 1.0 when there was nothing to find and nothing was found."""
    denominator = 2 * true_positives + false_positives + false_negatives
    return 1.0 if not denominator else 2 * true_positives / denominator


def even_split(paragraphs: int, mean_length: float) -> list[int]:
    """Labels for `paragraphs` paragraphs cut into sections of about `mean_length`, sized as evenly as possible."""
    count = max(1, min(paragraphs, int(paragraphs / mean_length + 0.5)))
    return [index * count // paragraphs for index in range(paragraphs)]


def baselines(paragraphs: int, mean_length: float) -> dict[str, list[int]]:
    """The labels of both baselines for a document of `paragraphs` paragraphs; neither looks at its gold labels."""
    return {"no_boundary": [0] * paragraphs, "even_split": even_split(paragraphs, mean_length)}


@dataclass
class Tally:
    """Running totals of one method on one kind of document."""

    documents: int = 0
    pk: float = 0.0
    window_diff: float = 0.0
    exact_count: int = 0
    over: int = 0
    under: int = 0
    true_positives: int = 0
    false_positives: int = 0
    false_negatives: int = 0

    def add(self, reference: Sequence[int], hypothesis: Sequence[int]) -> None:
        k = window_size(reference)
        self.documents += 1
        self.pk += pk(reference, hypothesis, k)
        self.window_diff += window_diff(reference, hypothesis, k)
        gold, found = len(segment_lengths(reference)), len(segment_lengths(hypothesis))
        self.exact_count += found == gold
        self.over += found > gold
        self.under += found < gold
        gold_starts, found_starts = boundaries(reference), boundaries(hypothesis)
        self.true_positives += len(gold_starts & found_starts)
        self.false_positives += len(found_starts - gold_starts)
        self.false_negatives += len(gold_starts - found_starts)

    def summary(self) -> dict[str, float | int]:
        documents = max(1, self.documents)
        return {
            "documents": self.documents,
            "pk": round(self.pk / documents, 4),
            "window_diff": round(self.window_diff / documents, 4),
            "count_accuracy": round(self.exact_count / documents, 4),
            "too_many_sections": self.over,
            "too_few_sections": self.under,
            "boundary_f1": round(f1(self.true_positives, self.false_positives, self.false_negatives), 4),
        }


def long_article_ms(documents: Sequence[dict[str, Any]]) -> dict[str, float | int]:
    """Milliseconds of clean() + segment() on one article of >= LONG_ARTICLE_WORDS words from the dataset.

    Both the median and the fastest of LONG_ARTICLE_RUNS runs: the fastest is the one other load disturbs least.
    """
    texts: list[str] = []
    for document in documents:
        texts.append(document["text"])
        if sum(len(text.split()) for text in texts) >= LONG_ARTICLE_WORDS:
            break
    article = "\n\n".join(texts)
    runs = []
    for _ in range(LONG_ARTICLE_RUNS):
        began = time.perf_counter()
        segment(clean(article))
        runs.append(time.perf_counter() - began)
    median_ms, min_ms = round(statistics.median(runs) * 1e3, 2), round(min(runs) * 1e3, 2)
    return {"words": len(article.split()), "runs": LONG_ARTICLE_RUNS, "median_ms": median_ms, "min_ms": min_ms}


def speed(documents: Sequence[dict[str, Any]], seconds: float) -> dict[str, Any]:
    """The speed report: `seconds` spent sectioning all documents, and the long-article timing."""
    return {
        "clean_segment_seconds": round(seconds, 3),
        "documents_per_second": round(len(documents) / seconds, 1),
        "long_article": long_article_ms(documents),
    }


def speed_line(report: dict[str, Any]) -> str:
    """The speed report as one line of text."""
    timing, long_article = report["speed"], report["speed"]["long_article"]
    return (
        f"speed: {timing['clean_segment_seconds']:.2f} s for {report['documents']} documents "
        f"({timing['documents_per_second']:.0f}/s); {long_article['words']}-word article "
        f"{long_article['median_ms']:.1f} ms median, {long_article['min_ms']:.1f} ms fastest"
    )


def load(dataset: Path) -> list[dict[str, Any]]:
    """The documents of a JSON-lines dataset, blank lines skipped."""
    return [json.loads(line) for line in dataset.read_text(encoding="utf-8").splitlines() if line.strip()]
