"""AUC of each kind of corpus evidence for "this paragraph starts a new story" on the gold gaps of natural-train.

    python benchmarks/semantic_auc.py [--set natural-train.jsonl] [--context gold|window]

Furniture paragraphs (label -1) are dropped first. With `--context gold` the story so far is the gold run of
paragraphs since the current story began (the issue's calibration protocol); with `window` it is the semantic.WINDOW
paragraphs before the gap, as the segmenter sees it. The combined row is a logistic fit on the evidence,
cross-validated by article (5 folds).
"""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

import numpy as np

from benchmarks.semantic_pairs import auc, fit_logistic
from service.text import corpus_model, semantic

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "segmentation"
FOLDS = 5
# Kinds of evidence, by the feature names they contribute (a name may belong to two kinds).
KINDS = {
    "word vectors": ("cosine",),
    "kept terms": ("kept_", "focus_kept", "story_margin"),
    "idf overlap": ("overlap",),
    "corpus pair model": ("pair_logit",),
    "what follows": ("ahead_", "focus_kept", "block_"),
    "story length": ("story_paragraphs",),
}
# A furniture line longer than this is a teaser paragraph, not a headline.
HEADLINE_WORDS = 16
_FINAL = set('.!?؟:»"')


def gap_table(records: list[dict], context: str) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
    """(feature names, one row per gold gap, new-story labels, the article's fold) over `records`."""
    model = corpus_model.load()
    rows, labels, folds = [], [], []
    names: list[str] = []
    for record in records:
        kept = [(text, label) for text, label in zip(record["paragraphs"], record["labels"], strict=True) if label >= 0]
        if len(kept) < 2:
            continue
        texts = [text for text, _ in kept]
        article = semantic.article_terms(texts, model)
        evidence = semantic.gap_evidence(texts, model)
        start = 0
        for i in range(1, len(kept)):
            values = dict(evidence[i - 1])
            if context == "gold":
                story = semantic.story_features(article, start, i)
                values.update({f"gold_{name}": value for name, value in story.items()})
            names = sorted(values)
            rows.append([values[name] for name in names])
            labels.append(kept[i][1] != kept[i - 1][1])
            folds.append(_fold(record["id"]))
            if labels[-1]:
                start = i
    return names, np.array(rows), np.array(labels), np.array(folds)


def headline_report(records: list[dict]) -> dict[str, float | int]:
    """AUC of headline_evidence() for "this lone short line is furniture, not a subheading".

    Lines: furniture paragraphs (-1) of at most HEADLINE_WORDS words without final punctuation, against subheadings
    (the README's definition: a labelled paragraph of at most 10 words not ending in punctuation); each compared
    with the nearest labelled paragraphs before and after it.
    """
    model = corpus_model.load()
    scores: dict[str, list[float]] = {}
    labels, article_folds = [], []
    for record in records:
        paragraphs, tags = record["paragraphs"], record["labels"]
        for i, (text, tag) in enumerate(zip(paragraphs, tags, strict=True)):
            words = len(text.split())
            if text.rstrip()[-1:] in _FINAL or words > (HEADLINE_WORDS if tag < 0 else 10):
                continue
            before = next((paragraphs[j] for j in range(i - 1, -1, -1) if tags[j] >= 0), None)
            after = next((paragraphs[j] for j in range(i + 1, len(tags)) if tags[j] >= 0), None)
            if before is None or after is None:
                continue
            for name, value in semantic.headline_evidence(before, text, after, model).items():
                scores.setdefault(name, []).append(value)
            labels.append(tag < 0)
            article_folds.append(_fold(record["id"]))
    truth = np.array(labels)
    result: dict[str, float | int] = {name: round(auc(np.array(v), truth), 4) for name, v in sorted(scores.items())}
    table = np.array([scores[name] for name in sorted(scores)]).T
    result["combined (5-fold CV by article)"] = cross_validated_auc(table, truth, np.array(article_folds))
    result["furniture_lines"], result["subheadings"] = int(truth.sum()), int((~truth).sum())
    return result


def report(names: list[str], rows: np.ndarray, labels: np.ndarray, folds: np.ndarray) -> dict[str, float]:
    """AUC per feature (oriented so that higher = new story: each "same story" number is negated) and combined."""
    result = {name: round(auc(-rows[:, k], labels), 4) for k, name in enumerate(names)}
    result["combined (5-fold CV by article)"] = cross_validated_auc(rows, labels, folds)
    for kind, parts in KINDS.items():
        inside = np.array([any(part in name for part in parts) for name in names])
        result[f"combined without {kind}"] = cross_validated_auc(rows[:, ~inside], labels, folds)
        result[f"{kind} alone, combined"] = cross_validated_auc(rows[:, inside], labels, folds)
    result["gaps"], result["new_story_gaps"] = len(labels), int(labels.sum())
    return result


def _fold(article_id: str) -> int:
    return hashlib.sha1(article_id.encode()).digest()[0] % FOLDS


def cross_validated_auc(rows: np.ndarray, labels: np.ndarray, folds: np.ndarray) -> float:
    """AUC of an L2 logistic fit on standardised `rows`, each fold scored by a fit on the other folds."""
    scores = np.zeros(len(labels))
    standard = (rows - rows.mean(axis=0)) / (rows.std(axis=0) + 1e-9)
    for fold in range(FOLDS):
        train = folds != fold
        weights = fit_logistic(standard[train], labels[train].astype(np.float64), penalty=1e-2)
        scores[~train] = weights[0] + standard[~train] @ weights[1:]
    return round(auc(scores, labels), 4)


def main(argv: list[str] | None = None) -> int:
    """Print the AUC table as JSON."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", type=Path, default=SHARED / "natural-train.jsonl")
    parser.add_argument("--context", choices=("gold", "window"), default="gold")
    args = parser.parse_args(argv)
    lines = args.set.read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines if line.strip()]
    print(
        json.dumps({"gaps": report(*gap_table(records, args.context)), "headlines": headline_report(records)}, indent=2)
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
