"""Fit the segmenter's boundary model on natural-train and write service/text/boundary_model.json.

Usage: python benchmarks/train_segmenter.py [--train natural-train.jsonl] [--seed 0] [--write]

The model is gradient-boosted trees over service.text.evidence.FEATURES, one example per pair of consecutive
article paragraphs (the gold furniture left out, as a perfect cleaner would), fitted on natural-train only.
Everything else is chosen by 5-fold cross-validation by article on natural-train: the opening-bonus setting
(scale, offset) of segment()'s dynamic programme maximises boundary F1 + count accuracy - single-story split rate
over the out-of-fold log-odds, among the settings with which the final model keeps the project's promises: the
reference article's gold sections (../shared/examples; also with a closing line appended) and the synthetic dev
set's targets (dev.jsonl, each kind); the JSON records what those promises cost in cross-validation; the confidence
calibration is isotonic regression of whether each boundary that segment() keeps out of fold is gold, on its model
probability. natural-dev is never read. The same train file and seed give the same JSON, byte for byte. Needs
scikit-learn (the dev extra); the service reads only the JSON.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.ensemble import GradientBoostingClassifier

from benchmarks.segmenter_cv import (
    SEED,
    SHARED_SEGMENTATION,
    TREES,
    Article,
    augmented,
    calibration,
    choose,
    fit,
    kept_boundaries,
    load,
    log_odds,
    out_of_fold,
    ranked,
    reliability,
)
from service.text import clean, segment
from service.text.boundary import BoundaryModel, model_from_json
from service.text.evidence import FEATURES

MODEL = Path(__file__).resolve().parents[1] / "service" / "text" / "boundary_model.json"
# The synthetic dev set's promises: issue 18's targets for each kind (Pk, count accuracy, F1), which are tighter than
# the floors tests/benchmarks/test_dev_set_score.py checks, so that a setting chosen at the floor's edge does not pass
# with no margin for the held-out synthetic set; WindowDiff as the test checks it.
SYNTHETIC_TARGETS = {
    "pk": 0.05,
    "window_diff": 0.08,
    "count_accuracy": 0.82,
    "boundary_f1": 0.93,
    "single_story_oversplit": 0.053,
}
# What the synthetic set's single source articles may be split at most: not the target above (no setting reaches it
# with the reference article's three sections), a guard that the test of the dev set holds.
MAX_SINGLE_STORY_OVERSPLIT = 0.10
# Appended to the reference article for the second half of its promise (with_closing_line).
CLOSING_LINE = "انتهى الخبر."


def export_trees(model: GradientBoostingClassifier, x: np.ndarray) -> tuple[list[dict[str, Any]], float, float]:
    """The fitted trees in boundary.Trees' JSON form, the bias and the learning rate.

    The bias (the prior log-odds the ensemble starts from) is read off one row: decision - rate * sum of leaves.
    """
    trees: list[dict[str, Any]] = []
    total = 0.0
    for estimator in model.estimators_[:, 0]:
        tree = estimator.tree_
        leaf = tree.children_left < 0
        trees.append(
            {
                "depth": int(tree.max_depth),
                "feature": [-1 if is_leaf else int(f) for f, is_leaf in zip(tree.feature, leaf, strict=True)],
                "threshold": [0.0 if is_leaf else float(t) for t, is_leaf in zip(tree.threshold, leaf, strict=True)],
                "left": [max(0, int(n)) for n in tree.children_left],
                "right": [max(0, int(n)) for n in tree.children_right],
                "value": [
                    round(float(v), 6) if is_leaf else 0.0 for v, is_leaf in zip(tree.value[:, 0, 0], leaf, strict=True)
                ],
            }
        )
        total += float(estimator.predict(x[:1])[0])
    rate = float(model.learning_rate)
    bias = float(model.decision_function(x[:1])[0]) - rate * total
    return trees, bias, rate


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_synthetic(path: Path) -> list[dict[str, Any]]:
    """The synthetic dev set's documents (none when it is absent)."""
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def meets_synthetic_targets(documents: Sequence[dict[str, Any]], model: BoundaryModel) -> bool:
    """Whether the segmenter with `model` keeps the synthetic dev set's promises (tests/benchmarks/
    test_dev_set_score.py): each kind's Pk, WindowDiff, count accuracy and F1, and its single source articles split
    at most MAX_SINGLE_STORY_OVERSPLIT of the time.
    """
    if not documents:
        return True
    # Imported here: benchmarks.segmentation imports this module (through segmentation_study) for export_trees.
    from benchmarks.segmentation import score as synthetic_score
    from benchmarks.segmentation import single_story_oversplit

    def sectioner(text: str) -> list[list[tuple[int, int]]]:
        return [
            [(span.start, span.end) for span in section.paragraphs] for section in segment(clean(text), model=model)
        ]

    results, _ = synthetic_score(documents, sectioner)
    for kind, row in results["system"].items():
        if kind != "all" and not (
            row["pk"] <= SYNTHETIC_TARGETS["pk"]
            and row["window_diff"] <= SYNTHETIC_TARGETS["window_diff"]
            and row["count_accuracy"] >= SYNTHETIC_TARGETS["count_accuracy"]
            and row["boundary_f1"] >= SYNTHETIC_TARGETS["boundary_f1"]
        ):
            return False
    return float(single_story_oversplit(documents, sectioner)["rate"]) <= MAX_SINGLE_STORY_OVERSPLIT


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
    document = {"kind": "multi", "paragraphs": [lines[n - 1] for n, _ in numbered], "labels": [k for _, k in numbered]}
    return Article(document)


def with_closing_line(article: Article) -> Article:
    """`article` with a closing line appended to its last story: the promise must not hang on a margin so thin that
    one more line after the text tips a boundary."""
    document = article.document
    last = max(document["labels"])
    return Article(
        {**document, "paragraphs": [*document["paragraphs"], CLOSING_LINE], "labels": [*document["labels"], last]}
    )


def scoring_model(
    trees: list[dict[str, Any]], bias: float, rate: float, scale: float, offset: float, isotonic: Any = None
) -> BoundaryModel:
    """Exported trees at one opening-bonus setting, as the service reads them (with `isotonic`'s calibration when
    given): what candidate settings and fold models are scored with."""
    data: dict[str, Any] = {
        "features": list(FEATURES),
        "trees": trees,
        "bias": bias,
        "rate": rate,
        "scale": scale,
        "offset": offset,
    }
    if isotonic is not None:
        data["calibration"] = {"probability": list(isotonic.X_thresholds_), "calibrated": list(isotonic.y_thresholds_)}
    return model_from_json(data)


def train(path: Path, seed: int) -> dict[str, Any]:
    """The model JSON: trees fitted on every article of `path`, setting and calibration from cross-validation."""
    articles = load(path)
    joined = augmented(articles, seed)
    odds = out_of_fold(articles, seed=seed, joined=joined)
    columns = list(range(len(FEATURES)))
    model = fit([*articles, *(document for _, document in joined)], columns, seed)
    reference = reference_article(SHARED_SEGMENTATION.parents[1] / "examples")
    references = [reference, with_closing_line(reference)] if reference else []
    reference_odds = [log_odds(model, article, columns) for article in references]

    trees, bias, rate = export_trees(model, np.vstack([article.features for article in articles]))
    synthetic = load_synthetic(SHARED_SEGMENTATION / "dev.jsonl")

    def keeps_promises(scale: float, offset: float) -> bool:
        for article, values in zip(references, reference_odds, strict=True):
            if article.starts(values, scale, offset) != article.gold:
                return False
        return meets_synthetic_targets(synthetic, scoring_model(trees, bias, rate, scale, offset))

    unconstrained = ranked(articles, odds)[0]
    scale, offset, scores = choose(articles, odds, allowed=keeps_promises)
    probability, correct, fold = kept_boundaries(articles, odds, scale, offset)
    isotonic = calibration(probability, correct)
    return {
        "about": "boosted-tree boundary model of service.text.evidence; written by benchmarks/train_segmenter.py",
        "trained_on": {"file": path.name, "sha256": sha256(path), "articles": len(articles)},
        "command": f"python benchmarks/train_segmenter.py --seed {seed} --write",
        "seed": seed,
        "parameters": TREES,
        "features": list(FEATURES),
        "scale": scale,
        "offset": offset,
        "calibration": {
            "probability": [round(float(v), 6) for v in isotonic.X_thresholds_],
            "calibrated": [round(float(v), 6) for v in isotonic.y_thresholds_],
        },
        "cross_validated": {
            "scores": scores,
            "best_setting_without_the_reference_promise": {
                "scale": unconstrained[0],
                "offset": unconstrained[1],
                "scores": unconstrained[2],
            },
            "reliability": reliability(probability, correct, fold),
        },
        "bias": round(bias, 6),
        "rate": rate,
        "trees": trees,
    }


def main(argv: Sequence[str] | None = None) -> int:
    return training_main(argv, __doc__, train, MODEL, hidden=("trees", "calibration"))


def training_main(
    argv: Sequence[str] | None,
    doc: str | None,
    train: Callable[[Path, int], dict[str, Any]],
    model_path: Path,
    hidden: Sequence[str] = ("trees",),
) -> int:
    """The command line of a training script: --train, --seed, --write; prints the model JSON less its `hidden`
    keys, and writes it to `model_path` with --write. Exits 2 with one line when the training file is absent."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0] if doc else None)
    parser.add_argument("--train", type=Path, default=SHARED_SEGMENTATION / "natural-train.jsonl")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--write", action="store_true", help=f"write the model to {model_path}")
    args = parser.parse_args(argv)
    if not args.train.is_file():
        print(f"error: {args.train} not found (../shared is absent?)", file=sys.stderr)
        return 2
    model = train(args.train, args.seed)
    print(json.dumps({key: value for key, value in model.items() if key not in hidden}, ensure_ascii=False, indent=2))
    if args.write:
        model_path.write_text(json.dumps(model, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"written to {model_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
