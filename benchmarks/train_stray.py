"""Fit the stray-headline model on natural-train and write service/text/stray_model.json.

Usage: python benchmarks/train_stray.py [--train natural-train.jsonl] [--seed 0] [--write]

Every headline-shaped paragraph that clean_by_rules() leaves in a natural-train article (service.text.stray.
candidates) is an example: a stray headline when the annotators marked it furniture (-1), else a subheading or a
short article line. The threshold is chosen by 5-fold cross-validation by article (the segmenter's folds): the
lowest one at which the lines wrongly removed out of fold stay within MAX_LOST_SHARE of the lines that are not
furniture, since a lost subheading costs a reader more than a stray headline left in. The same train file and seed
give the same JSON, byte for byte. natural-dev is never read. Needs scikit-learn (the dev extra).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.metrics import roc_auc_score

from benchmarks.segmentation_scoring import load, locate
from benchmarks.segmenter_cv import FOLDS, folds_of
from benchmarks.train_segmenter import export_trees, sha256, training_main
from service.text import stray
from service.text.clean import clean_by_rules, stray_view

MODEL = Path(__file__).resolve().parents[1] / "service" / "text" / stray.MODEL_FILE
TREES = {"n_estimators": 150, "max_depth": 2, "learning_rate": 0.05, "subsample": 0.8}
THRESHOLDS = tuple(round(0.05 * step, 2) for step in range(6, 20))
# Of the headline-shaped lines that are not furniture, the share the model may remove out of fold.
MAX_LOST_SHARE = 0.01
FURNITURE = -1


def examples(documents: Sequence[dict[str, Any]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Features, labels (1: stray headline) and the document index of every candidate line."""
    rows: list[list[float]] = []
    labels: list[int] = []
    owners: list[int] = []
    for number, document in enumerate(documents):
        spans = locate(document["text"], document["paragraphs"])
        cleaned = clean_by_rules(document["text"])
        view = stray_view(cleaned)
        indices = stray.candidates(view.paragraphs)
        for index, row in zip(indices, stray.features(view, indices), strict=True):
            span = cleaned.paragraphs[index]
            gold = [
                label
                for (start, end), label in zip(spans, document["labels"], strict=True)
                if start < span.end and span.start < end
            ]
            if gold:
                rows.append(row)
                labels.append(int(all(label == FURNITURE for label in gold)))
                owners.append(number)
    width = len(stray.FEATURES)
    return np.array(rows, dtype=np.float64).reshape(-1, width), np.array(labels), np.array(owners)


def fit(x: np.ndarray, y: np.ndarray, seed: int) -> GradientBoostingClassifier:
    return GradientBoostingClassifier(**TREES, random_state=seed).fit(x, y)


def fold_fits(
    documents: Sequence[dict[str, Any]], seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[GradientBoostingClassifier]]:
    """Features, labels and fold of every candidate line of `documents`, and each fold's trees fitted without its
    articles (folds_of(), by article, as the segmenter's study uses)."""
    x, y, owners = examples(documents)
    folds = folds_of(len(documents), seed)[owners]
    return x, y, folds, [fit(x[folds != fold], y[folds != fold], seed) for fold in range(FOLDS)]


def fold_models(path: Path, seed: int, threshold: float) -> list[stray.StrayModel]:
    """The model of each fold, fitted without that fold's articles and removing a line at `threshold`: what
    scores natural-train's whole pipeline honestly."""
    from service.text.boundary import Trees

    x, _, folds, fits = fold_fits(load(path), seed)
    models = []
    for fold, model in enumerate(fits):
        trees, bias, rate = export_trees(model, x[folds != fold])
        models.append(stray.StrayModel(Trees.from_json(trees), round(bias, 6), rate, threshold))
    return models


def train(path: Path, seed: int) -> dict[str, Any]:
    """The model JSON: trees fitted on every example, threshold and table from cross-validation by article."""
    documents = load(path)
    x, y, folds, fits = fold_fits(documents, seed)
    probability = np.zeros(len(y))
    for fold, model in enumerate(fits):
        probability[folds == fold] = model.predict_proba(x[folds == fold])[:, 1]
    table = [
        {
            "threshold": threshold,
            "strays_removed": int(((probability >= threshold) & (y == 1)).sum()),
            "other_lines_removed": int(((probability >= threshold) & (y == 0)).sum()),
        }
        for threshold in THRESHOLDS
    ]
    allowed = MAX_LOST_SHARE * int((y == 0).sum())
    chosen = next((row for row in table if row["other_lines_removed"] <= allowed), table[-1])
    model = fit(x, y, seed)
    trees, bias, rate = export_trees(model, x)
    return {
        "about": "stray-headline model of service.text.stray; written by benchmarks/train_stray.py",
        "trained_on": {"file": path.name, "sha256": sha256(path), "articles": len(documents)},
        "command": f"python benchmarks/train_stray.py --seed {seed} --write",
        "seed": seed,
        "parameters": TREES,
        "features": list(stray.FEATURES),
        "threshold": chosen["threshold"],
        "cross_validated": {
            "candidates": len(y),
            "stray_headlines": int(y.sum()),
            "auc": round(float(roc_auc_score(y, probability)), 3) if 0 < y.sum() < len(y) else None,
            "max_lost_share": MAX_LOST_SHARE,
            "table": table,
        },
        "bias": round(bias, 6),
        "rate": rate,
        "trees": trees,
    }


def main(argv: Sequence[str] | None = None) -> int:
    return training_main(argv, __doc__, train, MODEL)


if __name__ == "__main__":
    sys.exit(main())
