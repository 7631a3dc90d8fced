"""Score service.text's segmenter on a dataset in the segmentation dev-set format, and time it.

Usage: python benchmarks/segmentation.py DATASET.jsonl [--out results.json]

The protocol is the one ../shared/data/segmentation/README.md describes; PROTOCOL below states each choice it
leaves open, and goes into the JSON. Both baselines never look at a document's own gold labels: no-boundary (the
whole document one section) and even-split (round(paragraphs / the dataset's mean gold segment length) sections,
at least one, sized as evenly as possible). Extra reports: `single_story_oversplit_rate` (one source article alone
split into more than one section) and speed (clean() + segment() over the whole dataset on one core).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.machine import machine
from service.text import clean, segment

RESULTS = Path(__file__).resolve().parent / "results"
KINDS = ("mixed", "same", "all")
SINGLE_STORY_MIN_PARAGRAPHS = 3
# The speed check of the issue: one article of about this many words, cleaned and segmented.
LONG_ARTICLE_WORDS = 2000
LONG_ARTICLE_RUNS = 20

Spans = Sequence[tuple[int, int]]
# Stated in the JSON: every choice the dev-set README leaves open.
PROTOCOL = {
    "unit": "gold paragraph, given the section covering most of its characters; one removed as furniture takes "
    "its predecessor's section (section 0 when first); ties go to the earlier section",
    "k": "half the mean gold segment length of each document in paragraphs, rounded half up, at least 2",
    "pk_window_diff": "computed per document, averaged over documents",
    "count_accuracy": "sections after the paragraph mapping == gold sections",
    "boundary_f1": "exact paragraph-boundary positions, micro-averaged over all documents",
    "even_split": "round(paragraphs / the dataset's mean gold segment length) even sections, at least 1",
    "single_story": f"each source article with >= {SINGLE_STORY_MIN_PARAGRAPHS} paragraphs, joined by blank lines, "
    "as a document of its own; oversplit when the mapping gives more than one section",
    "speed": "clean() + segment() only, one process, pinned to one CPU where the OS allows",
}


def locate(text: str, paragraphs: Sequence[str]) -> list[tuple[int, int]]:
    """(start, end) of each paragraph in `text`, searched in order; raises ValueError if one is missing."""
    spans: list[tuple[int, int]] = []
    position = 0
    for paragraph in paragraphs:
        start = text.index(paragraph, position)
        position = start + len(paragraph)
        spans.append((start, position))
    return spans


def paragraph_sections(paragraphs: Spans, sections: Sequence[Spans]) -> list[int]:
    """Index of the section that covers most characters of each gold paragraph (ties: the earlier section).

    `sections` holds the character spans of each system section's kept paragraphs. A gold paragraph that no
    section covers (removed as furniture) takes its predecessor's section, or section 0 when it comes first.
    """
    labels: list[int] = []
    for start, end in paragraphs:
        overlaps = [sum(max(0, min(end, b) - max(start, a)) for a, b in spans) for spans in sections]
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


def system_labels(text: str, paragraphs: Sequence[str]) -> tuple[list[int], float]:
    """The system's section for each gold paragraph, and the seconds clean() + segment() took."""
    began = time.perf_counter()
    sections = segment(clean(text))
    elapsed = time.perf_counter() - began
    spans = [[(span.start, span.end) for span in section.paragraphs] for section in sections]
    return paragraph_sections(locate(text, paragraphs), spans), elapsed


def score(documents: Sequence[dict[str, Any]]) -> tuple[dict[str, dict[str, dict[str, float | int]]], float]:
    """Per method and kind, the scores of the system and both baselines; and the system's total seconds."""
    lengths = [length for document in documents for length in segment_lengths(document["labels"])]
    mean_length = sum(lengths) / len(lengths)
    tallies = {method: {kind: Tally() for kind in KINDS} for method in ("system", "no_boundary", "even_split")}
    seconds = 0.0
    for document in documents:
        reference = document["labels"]
        hypothesis, elapsed = system_labels(document["text"], document["paragraphs"])
        seconds += elapsed
        guesses = {
            "system": hypothesis,
            "no_boundary": [0] * len(reference),
            "even_split": even_split(len(reference), mean_length),
        }
        for method, labels in guesses.items():
            for kind in (document["kind"], "all"):
                tallies[method][kind].add(reference, labels)
    results = {method: {kind: tally.summary() for kind, tally in kinds.items()} for method, kinds in tallies.items()}
    return results, seconds


def single_stories(documents: Iterable[dict[str, Any]]) -> list[list[str]]:
    """The paragraphs of every source article with at least SINGLE_STORY_MIN_PARAGRAPHS of them."""
    stories: list[list[str]] = []
    for document in documents:
        by_source: dict[int, list[str]] = {}
        for paragraph, label in zip(document["paragraphs"], document["labels"], strict=True):
            by_source.setdefault(label, []).append(paragraph)
        stories.extend(story for story in by_source.values() if len(story) >= SINGLE_STORY_MIN_PARAGRAPHS)
    return stories


def single_story_oversplit(documents: Sequence[dict[str, Any]]) -> dict[str, float | int]:
    """How often one source article alone, as a document of its own, is split into more than one section."""
    stories = single_stories(documents)
    split = 0
    for story in stories:
        text = "\n\n".join(story)
        labels, _ = system_labels(text, story)
        split += len(segment_lengths(labels)) > 1
    return {"articles": len(stories), "oversplit": split, "rate": round(split / max(1, len(stories)), 4)}


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


def pin_to_one_core() -> int | None:
    """Pin this process to one CPU where the OS allows it (Linux); the CPU used, or None."""
    if not hasattr(os, "sched_setaffinity"):
        return None
    cpu = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})
    return cpu


def evaluate(documents: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Scores, single-story over-splitting and speed for parsed documents: the measured part of the report."""
    results, seconds = score(documents)
    oversplit = single_story_oversplit(documents)
    return {
        "documents": len(documents),
        "results": results,
        "single_story_oversplit_rate": oversplit["rate"],
        "single_story_oversplit": oversplit,
        "speed": {
            "clean_segment_seconds": round(seconds, 3),
            "documents_per_second": round(len(documents) / seconds, 1),
            "long_article": long_article_ms(documents),
        },
    }


def load(dataset: Path) -> list[dict[str, Any]]:
    """The documents of a JSON-lines dataset, blank lines skipped."""
    return [json.loads(line) for line in dataset.read_text(encoding="utf-8").splitlines() if line.strip()]


def table(report: dict[str, Any]) -> str:
    """The scores as a compact fixed-width table, one row per method and kind, then the extra reports."""
    rows = [f"{'method':<12}{'kind':<7}{'docs':>5}{'Pk':>8}{'WD':>8}{'count':>8}{'over':>6}{'under':>6}{'F1':>8}"]
    for method, kinds in report["results"].items():
        for kind, row in kinds.items():
            rows.append(
                f"{method:<12}{kind:<7}{row['documents']:>5}{row['pk']:>8.3f}{row['window_diff']:>8.3f}"
                f"{row['count_accuracy']:>8.3f}{row['too_many_sections']:>6}{row['too_few_sections']:>6}"
                f"{row['boundary_f1']:>8.3f}"
            )
    oversplit, speed = report["single_story_oversplit"], report["speed"]
    rows.append(
        f"single-story oversplit: {oversplit['rate']:.3f} ({oversplit['oversplit']}/{oversplit['articles']} articles)"
    )
    rows.append(
        f"speed: {speed['clean_segment_seconds']:.2f} s for {report['documents']} documents "
        f"({speed['documents_per_second']:.0f}/s); {speed['long_article']['words']}-word article "
        f"{speed['long_article']['median_ms']:.1f} ms median, {speed['long_article']['min_ms']:.1f} ms fastest"
    )
    return "\n".join(rows)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("dataset", type=Path, help="JSON lines in the segmentation dev-set format")
    parser.add_argument("--out", type=Path, help="JSON results (default: benchmarks/results/segmentation-STEM.json)")
    args = parser.parse_args(argv)
    pinned = pin_to_one_core()
    report = {
        "dataset": str(args.dataset),
        "protocol": PROTOCOL,
        **evaluate(load(args.dataset)),
        "machine": {**machine(), "pinned_cpu": pinned},
    }
    out = args.out or RESULTS / f"segmentation-{args.dataset.stem}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(table(report))
    print(f"written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
