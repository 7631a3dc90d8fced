"""Fit the segmenter's boundary model on real articles and write service/text/boundary_model.json.

Usage: python benchmarks/train_segmenter.py [--train natural-train.jsonl] [--dev natural-dev.jsonl] [--write]

The model is a logistic regression over service.text.evidence.FEATURES, one example per pair of consecutive
article paragraphs (the gold furniture left out, as a perfect cleaner would), fitted on `natural-train.jsonl`
only. Its log-odds enter segment()'s dynamic programme as opening bonuses, scale * (log_odds - offset); the L2
strength, scale and offset are chosen by 5-fold cross-validation by article on the training set, maximising
boundary F1 + section-count accuracy - single-story split rate, among the settings that keep two promises: the
reference article (../shared/examples) comes out as its gold sections, and the synthetic dev set (dev.jsonl, the
set the segmenter was first tuned on) stays at its targets on each kind. natural-dev is scored once, with the
fitted model, and never fitted on.
Needs scikit-learn and numpy (the dev extra); the service itself only reads the JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from benchmarks.segmentation import score as synthetic_score
from service.text import clean, cues, segment
from service.text.boundary import BoundaryModel
from service.text.cohesion import cosine_of, dot_matrix, paragraph_vectors, segment_scores
from service.text.evidence import FEATURES, Paragraph, boundary_features
from service.text.furniture import reads_as_subheading
from service.text.lexicon import content_words, spans_content_words
from service.text.segment import DATELINE_BONUS, best_starts

SHARED_SEGMENTATION = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "segmentation"
MODEL = Path(__file__).resolve().parents[1] / "service" / "text" / "boundary_model.json"
# Inverse L2 strengths tried; a few hundred boundaries are not many for three dozen features.
REGULARISATION_CS = (0.01, 0.03, 0.1)
FOLDS = 5
SCALES = (0.2, 0.3, 0.5, 0.8, 1.2)
# The synthetic dev set's targets (issue 11: no regression), on each kind of document.
SYNTHETIC_TARGETS = {"pk": 0.06, "window_diff": 0.08, "count_accuracy": 0.80, "boundary_f1": 0.92}
OFFSETS = (-3.0, -2.5, -2.0, -1.5, -1.0, -0.5, 0.0)


class Article:
    """One annotated article as the segmenter sees it after a perfect cleaner.

    Gold furniture is left out; a subheading (the cleaner's shape: furniture.reads_as_subheading) is set aside
    and read with the paragraph it introduces, as segment() does with CleanedText.headings.
    """

    def __init__(self, document: dict[str, Any]) -> None:
        self.multi = document["kind"] == "multi"
        self.paragraphs: list[Paragraph] = []
        self.labels: list[int] = []
        furniture, heading = False, ""
        for text, label in zip(document["paragraphs"], document["labels"], strict=True):
            if label < 0:
                furniture = True
                continue
            if reads_as_subheading(text):
                heading = f"{heading}\n{text}" if heading else text
                continue
            skip = cues.dateline_length(text[: cues.OPENING_CHARS])
            words = content_words(heading) + spans_content_words(text, [(skip, len(text))])[0]
            self.paragraphs.append(Paragraph(text, words, bool(heading), furniture and bool(self.labels), skip > 0))
            self.labels.append(label)
            furniture, heading = False, ""
        dots = dot_matrix(paragraph_vectors([paragraph.words for paragraph in self.paragraphs]))
        self.features = boundary_features(self.paragraphs, dots)
        self.cohesion = segment_scores(cosine_of(dots))

    def gold(self) -> set[int]:
        return {i for i in range(1, len(self.labels)) if self.labels[i] != self.labels[i - 1]}

    def starts(self, log_odds: Sequence[float], scale: float, offset: float) -> set[int]:
        """Section starts the segmenter picks with these log-odds (opening bonuses as segment.opening_bonuses)."""
        dated = [DATELINE_BONUS if paragraph.dateline else 0.0 for paragraph in self.paragraphs[1:]]
        bonuses = [0.0] + [scale * (value - offset) + extra for value, extra in zip(log_odds, dated, strict=True)]
        return {start for start in best_starts(self.cohesion, bonuses, None) if start}


def reference_article(examples: Path) -> Article | None:
    """The project's reference article as an annotated article (gold furniture out), or None when absent."""
    text_path, gold_path = examples / "sirte-airstrikes.ar.txt", examples / "sirte-airstrikes.gold.json"
    if not text_path.is_file() or not gold_path.is_file():
        return None
    lines = text_path.read_text(encoding="utf-8").splitlines()
    gold = json.loads(gold_path.read_text(encoding="utf-8"))
    numbered = [(line, index) for index, section in enumerate(gold["sections"]) for line in section["lines"]]
    numbered += [(line, -1) for line in gold["boilerplate"]["lines"]]
    numbered.sort()
    return Article(
        {
            "kind": "multi",
            "paragraphs": [lines[line - 1] for line, _ in numbered],
            "labels": [label for _, label in numbered],
        }
    )


def load(path: Path) -> list[Article]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [Article(json.loads(line)) for line in lines if line.strip()]


def fit(articles: Sequence[Article], c: float) -> tuple[np.ndarray, float]:
    """Weights (in the features' own units) and bias of the L2 logistic regression."""
    x = np.array([vector for article in articles for vector in article.features])
    y = np.array([int(i in article.gold()) for article in articles for i in range(1, len(article.labels))])
    scaler = StandardScaler().fit(x)
    model = LogisticRegression(C=c, max_iter=5000).fit(scaler.transform(x), y)
    weights = model.coef_[0] / scaler.scale_
    return weights, float(model.intercept_[0] - weights @ scaler.mean_)


def log_odds(article: Article, weights: np.ndarray, bias: float) -> list[float]:
    return [float(value) for value in np.array(article.features).reshape(-1, len(FEATURES)) @ weights + bias]


def score(articles: Sequence[Article], odds: Sequence[Sequence[float]], scale: float, offset: float) -> dict:
    """Boundary F1 and count accuracy over multi-story articles, split rate over single-story ones."""
    tp = fp = fn = exact = multi = split = single = 0
    for article, values in zip(articles, odds, strict=True):
        found, gold = article.starts(values, scale, offset), article.gold()
        if article.multi:
            multi += 1
            tp, fp, fn = tp + len(found & gold), fp + len(found - gold), fn + len(gold - found)
            exact += len(found) == len(gold)
        else:
            single += 1
            split += bool(found)
    return {
        "boundary_f1": round(2 * tp / max(1, 2 * tp + fp + fn), 3),
        "count_accuracy": round(exact / max(1, multi), 3),
        "single_story_split": round(split / max(1, single), 3),
    }


def splits_reference(reference: Article, fitted: tuple[np.ndarray, float], scale: float, offset: float) -> bool:
    """Whether the segmenter with this model and setting finds exactly the reference article's gold sections."""
    return reference.starts(log_odds(reference, *fitted), scale, offset) == reference.gold()


def load_synthetic(path: Path) -> list[dict[str, Any]]:
    """The synthetic dev set's documents with their cleaned text (cleaning does not depend on the model)."""
    if not path.is_file():
        return []
    documents = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [{**document, "cleaned": clean(document["text"])} for document in documents]


def model_of(fitted: tuple[np.ndarray, float], scale: float, offset: float) -> BoundaryModel:
    weights, bias = fitted
    return BoundaryModel(dict(zip(FEATURES, map(float, weights), strict=True)), bias, scale, offset)


def meets_synthetic_targets(documents: Sequence[dict[str, Any]], model: BoundaryModel) -> bool:
    """Whether the segmenter with `model` still meets the synthetic dev set's targets on each kind of document."""
    if not documents:
        return True
    cleaned = {id(document["text"]): document["cleaned"] for document in documents}

    def sectioner(text: str) -> list[list[tuple[int, int]]]:
        sections = segment(cleaned.get(id(text)) or clean(text), model=model)
        return [[(span.start, span.end) for span in section.paragraphs] for section in sections]

    results, _ = synthetic_score(documents, sectioner)
    return all(
        row["pk"] <= SYNTHETIC_TARGETS["pk"]
        and row["window_diff"] <= SYNTHETIC_TARGETS["window_diff"]
        and row["count_accuracy"] >= SYNTHETIC_TARGETS["count_accuracy"]
        and row["boundary_f1"] >= SYNTHETIC_TARGETS["boundary_f1"]
        for kind, row in results["system"].items()
        if kind != "all"
    )


def objective(scores: dict) -> float:
    return scores["boundary_f1"] + scores["count_accuracy"] - scores["single_story_split"]


def cross_validated_odds(articles: Sequence[Article], c: float) -> list[list[float]]:
    """Each article's log-odds from a model fitted on the other folds (folds by article, fixed seed)."""
    folds = np.random.RandomState(0).randint(0, FOLDS, len(articles))
    odds: list[list[float]] = [[] for _ in articles]
    for fold in range(FOLDS):
        weights, bias = fit([article for article, k in zip(articles, folds, strict=True) if k != fold], c)
        for index in np.flatnonzero(folds == fold):
            odds[int(index)] = log_odds(articles[int(index)], weights, bias)
    return odds


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--train", type=Path, default=SHARED_SEGMENTATION / "natural-train.jsonl")
    parser.add_argument("--dev", type=Path, default=SHARED_SEGMENTATION / "natural-dev.jsonl")
    parser.add_argument("--write", action="store_true", help=f"write the model to {MODEL}")
    args = parser.parse_args(argv)
    for path in (args.train, args.dev):
        if not path.is_file():
            print(f"error: {path} not found (../shared is absent?)", file=sys.stderr)
            return 2
    train, dev = load(args.train), load(args.dev)
    cv_odds = {c: cross_validated_odds(train, c) for c in REGULARISATION_CS}
    fitted = {c: fit(train, c) for c in REGULARISATION_CS}
    reference = reference_article(SHARED_SEGMENTATION.parents[1] / "examples")
    grid = sorted(
        ((objective(score(train, cv_odds[c], s, o)), c, s, o) for c in cv_odds for s in SCALES for o in OFFSETS),
        reverse=True,
    )
    synthetic = load_synthetic(SHARED_SEGMENTATION / "dev.jsonl")
    # The best setting by cross-validation that keeps the project's other promises: the reference article's three
    # stories, and the synthetic dev set's targets. The first of the grid when none does.
    chosen = next(
        (
            row
            for row in grid
            if (reference is None or splits_reference(reference, fitted[row[1]], *row[2:]))
            and meets_synthetic_targets(synthetic, model_of(fitted[row[1]], *row[2:]))
        ),
        grid[0],
    )
    _, c, scale, offset = chosen
    weights, bias = fitted[c]
    report = {
        "train_cross_validated": score(train, cv_odds[c], scale, offset),
        "train_cross_validated_best_objective": round(grid[0][0], 3),
        "objective": round(chosen[0], 3),
        "dev": score(dev, [log_odds(article, weights, bias) for article in dev], scale, offset),
    }
    model = {
        "about": "logistic boundary model of service.text.evidence; written by benchmarks/train_segmenter.py",
        "trained_on": f"{args.train.name}: {len(train)} articles",
        "weights": {name: round(float(value), 5) for name, value in zip(FEATURES, weights, strict=True)},
        "bias": round(bias, 5),
        "regularisation_c": c,
        "scale": scale,
        "offset": offset,
        "scores": report,
    }
    print(json.dumps(model, ensure_ascii=False, indent=2))
    if args.write:
        MODEL.write_text(json.dumps(model, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        print(f"written to {MODEL}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
