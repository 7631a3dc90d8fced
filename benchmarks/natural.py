"""Score the segmenter and the cleaner on real articles in the natural format (natural-dev.jsonl, natural-train.jsonl).

The protocol is the second section of ../shared/data/segmentation/README.md; PROTOCOL states each choice it leaves
open and goes into the JSON. Segmentation is scored over the `multi` articles, splitting over the `single` ones and
cleaning over all of them, beside the same two baselines as for the synthetic set.
`score_natural(documents, sectioner)` scores any sectioner; `evaluate_natural(documents)` adds the speed report.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from benchmarks.segmentation_scoring import (
    MAPPING_PROTOCOL,
    SPEED_PROTOCOL,
    Sectioner,
    Spans,
    Tally,
    baselines,
    boundaries,
    f1,
    locate,
    mean_segment_length,
    overlap,
    paragraph_sections,
    segment_lengths,
    service_sections,
    speed,
    speed_line,
    timed_sections,
)

FURNITURE = -1
KINDS = ("multi", "single")
METHODS = ("system", "no_boundary", "even_split")
SUBHEADING_MAX_WORDS = 10
# What a sentence ends with; a short labelled paragraph without one of them reads as a subheading.
SENTENCE_ENDINGS = (".", "!", "?", "؟", '"', "»", ":")
NEAR_PARAGRAPHS = 1

PROTOCOL = {
    "gold": "a furniture paragraph (-1) takes the label of the paragraph before it (the first story label after it "
    "when it opens the article); a gold boundary is a change of label between consecutive paragraphs, so a story "
    "the article comes back to is a new contiguous section",
    **MAPPING_PROTOCOL,
    "even_split": f"{MAPPING_PROTOCOL['even_split']}; the mean is over the gold segments of all articles, multi "
    "and single",
    "segmentation": "Pk, WindowDiff, count accuracy and both F1 over the multi articles only",
    "boundary_f1_within_one": f"a found boundary matches an unmatched gold boundary at most {NEAR_PARAGRAPHS} "
    "paragraph away, one-to-one; candidate pairs are taken nearest first (ties: the earlier gold boundary, then "
    "the earlier found one); micro-averaged over all documents",
    "single_story_split": "share of the single articles that the mapping gives more than one section",
    "removed": "a gold paragraph is removed when none of its characters lies in any section's `paragraphs`; one "
    "taken as the title therefore counts as removed (no section, so no summary, reads it)",
    "furniture_recall": "removed -1 paragraphs / all -1 paragraphs, over all articles",
    "article_paragraphs_removed": "removed labelled (>= 0) paragraphs that are not subheadings / all of those",
    "subheading": f"a labelled paragraph of at most {SUBHEADING_MAX_WORDS} words that, closing whitespace aside, "
    'does not end in . ! ? ؟ " » or :; kept when not removed',
    "subheading_opening_a_section": "a kept subheading whose paragraph holds the start of a system section's "
    "first paragraph",
    "speed": SPEED_PROTOCOL,
}


def fill_furniture(labels: Sequence[int]) -> list[int]:
    """Labels with each furniture paragraph given its predecessor's story (leading ones: the first story after)."""
    first = next((label for label in labels if label != FURNITURE), 0)
    filled: list[int] = []
    for label in labels:
        if label == FURNITURE:
            label = filled[-1] if filled else first
        filled.append(label)
    return filled


def gold_sections(labels: Sequence[int]) -> list[int]:
    """The gold section of each paragraph, numbered 0, 1, 2... in order: contiguous runs of filled story labels.

    A story the article comes back to starts a new section, since a segmenter returns contiguous sections.
    """
    runs = segment_lengths(fill_furniture(labels))
    return [section for section, length in enumerate(runs) for _ in range(length)]


def near_matches(gold: set[int], found: set[int], tolerance: int = NEAR_PARAGRAPHS) -> int:
    """How many `found` boundaries match a `gold` one at most `tolerance` paragraphs away, one-to-one.

    Pairs are taken nearest first (ties: the earlier gold boundary, then the earlier found one), so an exact
    match is never given up for a near one.
    """
    pairs = sorted((abs(g - f), g, f) for g in gold for f in found if abs(g - f) <= tolerance)
    matched_gold: set[int] = set()
    matched_found: set[int] = set()
    for _, g, f in pairs:
        if g not in matched_gold and f not in matched_found:
            matched_gold.add(g)
            matched_found.add(f)
    return len(matched_gold)


def is_subheading(paragraph: str) -> bool:
    """A short line that does not end a sentence: at most SUBHEADING_MAX_WORDS words, no SENTENCE_ENDINGS."""
    text = paragraph.rstrip()
    return len(text.split()) <= SUBHEADING_MAX_WORDS and not text.endswith(SENTENCE_ENDINGS)


def opens_section(start: int, end: int, sections: Sequence[Spans]) -> bool:
    """Whether [start, end) holds the start of some section's first paragraph."""
    return any(spans and start <= spans[0][0] < end for spans in sections)


def share(part: int, whole: int) -> float | None:
    """part / whole to four places, or None when there is nothing to share."""
    return round(part / whole, 4) if whole else None


@dataclass
class NaturalTally(Tally):
    """A Tally that also counts boundaries found within NEAR_PARAGRAPHS of a gold one."""

    near_true_positives: int = 0

    def add(self, reference: Sequence[int], hypothesis: Sequence[int]) -> None:
        super().add(reference, hypothesis)
        self.near_true_positives += near_matches(boundaries(reference), boundaries(hypothesis))

    def summary(self) -> dict[str, float | int]:
        found = self.true_positives + self.false_positives
        gold = self.true_positives + self.false_negatives
        near = self.near_true_positives
        return {**super().summary(), "boundary_f1_within_one": round(f1(near, found - near, gold - near), 4)}


@dataclass
class SplitTally:
    """How many single-story articles a method cuts into more than one section."""

    documents: int = 0
    split: int = 0

    def add(self, hypothesis: Sequence[int]) -> None:
        self.documents += 1
        self.split += len(segment_lengths(hypothesis)) > 1

    def summary(self) -> dict[str, float | int | None]:
        return {"documents": self.documents, "split": self.split, "split_rate": share(self.split, self.documents)}


@dataclass
class CleaningTally:
    """What the cleaner removed and kept, by kind of gold paragraph."""

    furniture: int = 0
    furniture_removed: int = 0
    article: int = 0
    article_removed: int = 0
    subheadings: int = 0
    subheadings_kept: int = 0
    subheadings_opening: int = 0

    def add(self, paragraphs: Sequence[str], labels: Sequence[int], spans: Spans, sections: Sequence[Spans]) -> None:
        """Count one article: its gold paragraphs, their labels and spans, and the system's section spans."""
        for paragraph, label, (start, end) in zip(paragraphs, labels, spans, strict=True):
            kept = any(overlap(start, end, section) for section in sections)
            if label == FURNITURE:
                self.furniture += 1
                self.furniture_removed += not kept
            elif is_subheading(paragraph):
                self.subheadings += 1
                self.subheadings_kept += kept
                self.subheadings_opening += kept and opens_section(start, end, sections)
            else:
                self.article += 1
                self.article_removed += not kept

    def summary(self) -> dict[str, float | int | None]:
        return {
            "furniture_paragraphs": self.furniture,
            "furniture_removed": self.furniture_removed,
            "furniture_recall": share(self.furniture_removed, self.furniture),
            "article_paragraphs": self.article,
            "article_paragraphs_removed": self.article_removed,
            "article_removed_share": share(self.article_removed, self.article),
            "subheadings": self.subheadings,
            "subheadings_kept": self.subheadings_kept,
            "subheadings_kept_share": share(self.subheadings_kept, self.subheadings),
            "subheadings_opening_a_section": self.subheadings_opening,
        }


def score_natural(documents: Sequence[dict[str, Any]], sectioner: Sectioner = service_sections) -> dict[str, Any]:
    """Segmentation (multi), splitting (single) and cleaning scores of `sectioner` and both baselines.

    `documents` are parsed natural-format objects; raises ValueError when one has another kind. `seconds` is
    the time spent in `sectioner` over all of them.
    """
    kinds = Counter(document["kind"] for document in documents)
    if unknown := set(kinds) - set(KINDS):
        raise ValueError(f"not natural-format kinds: {sorted(unknown)}")
    references = [gold_sections(document["labels"]) for document in documents]
    mean_length = mean_segment_length(references)
    segmentation = {method: NaturalTally() for method in METHODS}
    splitting = {method: SplitTally() for method in METHODS}
    cleaning = CleaningTally()
    seconds = 0.0
    for document, reference in zip(documents, references, strict=True):
        spans = locate(document["text"], document["paragraphs"])
        sections, elapsed = timed_sections(document["text"], sectioner)
        seconds += elapsed
        guesses = {"system": paragraph_sections(spans, sections), **baselines(len(reference), mean_length)}
        for method, hypothesis in guesses.items():
            if document["kind"] == "multi":
                segmentation[method].add(reference, hypothesis)
            else:
                splitting[method].add(hypothesis)
        cleaning.add(document["paragraphs"], document["labels"], spans, sections)
    return {
        "documents": len(documents),
        "kinds": {kind: kinds[kind] for kind in KINDS},
        "results": {
            method: {"multi": segmentation[method].summary(), "single": splitting[method].summary()}
            for method in METHODS
        },
        "cleaning": cleaning.summary(),
        "seconds": seconds,
    }


def evaluate_natural(documents: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The service's scores on parsed natural-format documents, with the speed report: the measured part of the JSON."""
    scores = score_natural(documents)
    seconds = scores.pop("seconds")
    return {**scores, "speed": speed(documents, seconds)}


def _segmentation_rows(results: dict[str, Any]) -> list[str]:
    rows = [f"{'method':<12}{'docs':>5}{'Pk':>8}{'WD':>8}{'count':>8}{'over':>6}{'under':>6}{'F1':>8}{'F1 ±1':>8}"]
    for method, kinds in results.items():
        row = kinds["multi"]
        rows.append(
            f"{method:<12}{row['documents']:>5}{row['pk']:>8.3f}{row['window_diff']:>8.3f}"
            f"{row['count_accuracy']:>8.3f}{row['too_many_sections']:>6}{row['too_few_sections']:>6}"
            f"{row['boundary_f1']:>8.3f}{row['boundary_f1_within_one']:>8.3f}"
        )
    return rows


def _split_line(results: dict[str, Any]) -> str:
    singles = [(method, kinds["single"]) for method, kinds in results.items()]
    parts = [f"{method} {_ratio(row['split_rate'])} ({row['split']}/{row['documents']})" for method, row in singles]
    return f"single-story articles split ({singles[0][1]['documents']}): " + ", ".join(parts)


def _cleaning_rows(cleaning: dict[str, Any], documents: int) -> list[str]:
    counts = [
        ("furniture removed (recall)", cleaning["furniture_removed"], cleaning["furniture_paragraphs"]),
        ("article paragraphs removed", cleaning["article_paragraphs_removed"], cleaning["article_paragraphs"]),
        ("subheadings kept", cleaning["subheadings_kept"], cleaning["subheadings"]),
        ("subheadings opening a section", cleaning["subheadings_opening_a_section"], cleaning["subheadings_kept"]),
    ]
    rows = [f"cleaning, all {documents} articles:"]
    rows += [f"  {name:<32}{f'{part}/{whole}':>9}{_ratio(share(part, whole)):>8}" for name, part, whole in counts]
    return rows


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def quality_table(report: dict[str, Any]) -> str:
    """The natural-format scores as text: the multi-article table, single-story splitting, cleaning."""
    results = report["results"]
    rows = [f"segmentation, {report['kinds']['multi']} multi-story articles:", *_segmentation_rows(results)]
    rows.append(_split_line(results))
    rows += _cleaning_rows(report["cleaning"], report["documents"])
    return "\n".join(rows)


def natural_table(report: dict[str, Any]) -> str:
    """The natural-format report as text: the multi-article table, single-story splitting, cleaning, speed."""
    return f"{quality_table(report)}\n{speed_line(report)}"
