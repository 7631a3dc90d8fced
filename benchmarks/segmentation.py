"""Score service.text's cleaner and segmenter on the segmentation data sets, and time them.

Usage: python benchmarks/segmentation.py [DATASET.jsonl ...] [--out results.json] [--no-study] [--refresh-study]

With no DATASET, scores ../shared/data/segmentation/natural-dev.jsonl (real articles), then prints the
cross-validated study of natural-train.jsonl (benchmarks/segmentation_study.py: the whole-pipeline table with folds
by article, the reliability of the confidence, the ablation of each kind of evidence and the learning curve; cached
in results/segmentation-study.json, which --refresh-study recomputes, about half an hour on two cores, and
--no-study skips), then dev.jsonl (synthetic joins of article openings), ../shared being the folder beside the
repository; exits 2 with one line when it is absent. Each data set's format is told from its documents' kinds:
`multi`/`single` is the natural format (scored by benchmarks/natural.py), `mixed`/`same` the synthetic one (scored
here). Each table is printed under a heading
and each report written as JSON to benchmarks/results/segmentation-STEM.json; `--out` names that file instead,
and is allowed with exactly one DATASET.

The protocol is the one ../shared/data/segmentation/README.md describes; PROTOCOL below (natural.PROTOCOL for the
natural format) states each choice it leaves open, and goes into the JSON. Both baselines never look at a
document's own gold labels: no-boundary (the whole document one section) and even-split (round(paragraphs / the
dataset's mean gold segment length) sections, at least one, sized as evenly as possible). Extra reports for the
synthetic set: `single_story_oversplit_rate` (one source article alone split into more than one section); for
both: speed (clean() + segment() over the whole dataset on one core).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from benchmarks import natural, segmentation_study
from benchmarks.machine import machine
from benchmarks.segmentation_scoring import (
    MAPPING_PROTOCOL,
    SPEED_PROTOCOL,
    Sectioner,
    Tally,
    baselines,
    load,
    locate,
    mean_segment_length,
    paragraph_sections,
    segment_lengths,
    service_sections,
    speed,
    speed_line,
    timed_sections,
)

RESULTS = Path(__file__).resolve().parent / "results"
SHARED_SETS = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "segmentation"
# Scored, in this order, when no data set is named: the real articles first.
DEFAULT_SETS = ("natural-dev.jsonl", "dev.jsonl")
SYNTHETIC_KINDS = ("mixed", "same")
KINDS = (*SYNTHETIC_KINDS, "all")
SINGLE_STORY_MIN_PARAGRAPHS = 3

# Stated in the JSON: every choice the dev-set README leaves open.
PROTOCOL = {
    **MAPPING_PROTOCOL,
    "single_story": f"each source article with >= {SINGLE_STORY_MIN_PARAGRAPHS} paragraphs, joined by blank lines, "
    "as a document of its own; oversplit when the mapping gives more than one section",
    "speed": SPEED_PROTOCOL,
}


def system_labels(
    text: str, paragraphs: Sequence[str], sectioner: Sectioner = service_sections
) -> tuple[list[int], float]:
    """The system's section for each gold paragraph, and the seconds `sectioner` took."""
    sections, elapsed = timed_sections(text, sectioner)
    return paragraph_sections(locate(text, paragraphs), sections), elapsed


def score(
    documents: Sequence[dict[str, Any]], sectioner: Sectioner = service_sections
) -> tuple[dict[str, dict[str, dict[str, float | int]]], float]:
    """Per method and kind, the scores of `sectioner` and both baselines; and the seconds `sectioner` took."""
    mean_length = mean_segment_length([document["labels"] for document in documents])
    tallies = {method: {kind: Tally() for kind in KINDS} for method in ("system", "no_boundary", "even_split")}
    seconds = 0.0
    for document in documents:
        reference = document["labels"]
        hypothesis, elapsed = system_labels(document["text"], document["paragraphs"], sectioner)
        seconds += elapsed
        guesses = {"system": hypothesis, **baselines(len(reference), mean_length)}
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


def single_story_oversplit(
    documents: Sequence[dict[str, Any]], sectioner: Sectioner = service_sections
) -> dict[str, float | int]:
    """How often one source article alone, as a document of its own, is split into more than one section."""
    stories = single_stories(documents)
    split = 0
    for story in stories:
        text = "\n\n".join(story)
        labels, _ = system_labels(text, story, sectioner)
        split += len(segment_lengths(labels)) > 1
    return {"articles": len(stories), "oversplit": split, "rate": round(split / max(1, len(stories)), 4)}


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
        "speed": speed(documents, seconds),
    }


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
    oversplit = report["single_story_oversplit"]
    rows.append(
        f"single-story oversplit: {oversplit['rate']:.3f} ({oversplit['oversplit']}/{oversplit['articles']} articles)"
    )
    rows.append(speed_line(report))
    return "\n".join(rows)


def dataset_format(documents: Iterable[dict[str, Any]]) -> str:
    """The documents' format, told from their kinds: "natural" or "synthetic"; ValueError when neither or both."""
    kinds = {document["kind"] for document in documents}
    for name, known in (("natural", natural.KINDS), ("synthetic", SYNTHETIC_KINDS)):
        if kinds and kinds <= set(known):
            return name
    raise ValueError(f"kinds {sorted(kinds)} are neither {'/'.join(natural.KINDS)} nor {'/'.join(SYNTHETIC_KINDS)}")


def report_for(dataset: Path, documents: Sequence[dict[str, Any]], form: str, pinned: int | None) -> dict[str, Any]:
    """The whole JSON report of one data set in format `form`, measured on this machine."""
    protocol, measured = (natural.PROTOCOL, natural.evaluate_natural) if form == "natural" else (PROTOCOL, evaluate)
    return {
        "dataset": str(dataset),
        "format": form,
        "protocol": protocol,
        **measured(documents),
        "machine": {**machine(), "pinned_cpu": pinned},
    }


def heading(dataset: Path, report: dict[str, Any]) -> str:
    """One line naming the data set and what kind of documents it holds."""
    if report["format"] == "natural":
        kinds = report["kinds"]
        what = f"real articles as published: {kinds['multi']} multi-story, {kinds['single']} single-story"
    else:
        what = f"synthetic: {report['documents']} documents, each joining the openings of several articles"
    return f"=== {dataset.name} ({what}) ==="


def datasets_to_score(named: Sequence[Path]) -> list[Path]:
    """The named data sets, or the default ones in ../shared; ValueError naming the first that is missing."""
    if not named and not SHARED_SETS.is_dir():
        raise ValueError(f"{SHARED_SETS} not found (../shared is absent); name DATASET.jsonl files to score")
    # Relative to the working directory, as a named one usually is, so the JSON does not carry this machine's paths.
    datasets = list(named) or [Path(os.path.relpath(SHARED_SETS / name)) for name in DEFAULT_SETS]
    for dataset in datasets:
        if not dataset.is_file():
            raise ValueError(f"data set {dataset} not found")
    return datasets


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("datasets", type=Path, nargs="*", help="JSON lines in either segmentation format")
    parser.add_argument(
        "--out", type=Path, help="JSON results of the one DATASET (default: results/segmentation-STEM.json)"
    )
    parser.add_argument("--no-study", action="store_true", help="skip the cross-validated study of natural-train")
    parser.add_argument("--refresh-study", action="store_true", help="recompute the study instead of its cache")
    args = parser.parse_args(argv)
    if args.out and len(args.datasets) != 1:
        parser.error("--out needs exactly one DATASET")
    try:
        datasets = datasets_to_score(args.datasets)
        loaded = [(dataset, load(dataset)) for dataset in datasets]
        forms = [dataset_format(documents) for _, documents in loaded]
    except (ValueError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    pinned = pin_to_one_core()
    for index, ((dataset, documents), form) in enumerate(zip(loaded, forms, strict=True)):
        report = report_for(dataset, documents, form, pinned)
        out = args.out or RESULTS / f"segmentation-{dataset.stem}.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        if index:
            print()
        print(heading(dataset, report))
        print(natural.natural_table(report) if form == "natural" else table(report))
        print(f"written to {out}")
        if not args.datasets and not args.no_study and dataset.name == DEFAULT_SETS[0]:
            print()
            print(study_text(args.refresh_study))
    return 0


def study_text(refresh: bool) -> str:
    """The natural-train study's tables, from its cache unless `refresh` (or the cache is stale)."""
    train = SHARED_SETS / "natural-train.jsonl"
    if not train.is_file():
        return f"(no cross-validated study: {train} not found)"
    report = segmentation_study.study(train, refresh, lambda line: print(f"study: {line}", file=sys.stderr))
    return f"{segmentation_study.study_tables(report)}\n\n{stray_line()}"


def stray_line() -> str:
    """The stray-headline model's cross-validated numbers, as benchmarks/train_stray.py recorded them in its JSON."""
    from importlib import resources

    from service.text import stray

    data = json.loads(resources.files("service.text").joinpath(stray.MODEL_FILE).read_text(encoding="utf-8"))
    cv = data["cross_validated"]
    row = next(row for row in cv["table"] if row["threshold"] == data["threshold"])
    return (
        f"stray headlines (5-fold CV by article on {data['trained_on']['file']}, threshold {data['threshold']}): "
        f"{row['strays_removed']} of {cv['stray_headlines']} removed, {row['other_lines_removed']} of "
        f"{cv['candidates'] - cv['stray_headlines']} other headline-shaped lines lost; AUC {cv['auc']}"
    )


if __name__ == "__main__":
    sys.exit(main())
