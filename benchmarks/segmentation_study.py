"""The cross-validated study of the segmenter on natural-train: the whole-pipeline table, the ablation of each kind
of evidence and the learning curve, cached because it refits the boundary model dozens of times.

`study(train_path)` returns the report; the cache (benchmarks/results/segmentation-study.json) is reused while the
training file, the feature list, the tree settings and STUDY_VERSION are unchanged. Folds are by article, the same
for every row, so rows differ only by what they remove.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.metrics import roc_auc_score

from benchmarks import natural, train_stray
from benchmarks.segmentation_scoring import load as load_documents
from benchmarks.segmenter_cv import (
    FOLDS,
    JOINED_PER_FOLD,
    OFFSETS,
    SEED,
    SPLIT_WEIGHT,
    TREES,
    Article,
    augmented,
    calibration,
    choose,
    fold_models,
    folds_of,
    kept_boundaries,
    load,
    objective,
    out_of_fold,
    reliability,
)
from benchmarks.train_segmenter import export_trees, scoring_model
from service.text import clean, segment
from service.text.boundary import BoundaryModel, boundary_model
from service.text.evidence import FEATURES
from service.text.stray import stray_model

RESULTS = Path(__file__).resolve().parent / "results"
CACHE = RESULTS / "segmentation-study.json"
# Bump when the study's own procedure changes, so an old cache is not shown for a new procedure.
STUDY_VERSION = 4
FRACTIONS = (0.25, 0.5, 0.75, 1.0)
# Scales tried in the ablation and the learning curve (the full grid is for the shipped model only).
STUDY_SCALES = (0.5, 0.8)


def _is_corpus(name: str) -> bool:
    return name.startswith(("corpus_", "before_corpus_", "after_corpus_"))


# Each kind of evidence, by the feature names it covers; a feature may belong to one kind only.
KINDS: dict[str, Callable[[str], bool]] = {
    "corpus evidence (segcorpus)": _is_corpus,
    "opening phrases (cues)": lambda name: "opens_" in name or name.endswith(("fronted_phrase", "says_also")),
    "layout (subheading, dateline, position, length)": lambda name: any(
        part in name
        for part in (
            "subheading",
            "dateline",
            "weekday",
            "furniture_before",
            "position",
            "short_line",
            "length",
            "paragraphs_left",
        )
    ),
    "word overlap before/after (cohesion)": lambda name: (
        "similarity" in name or name in ("previous_ahead", "ahead_minus_behind", "cross_gap_wide")
    ),
    "entities (actors, places, numbers)": lambda name: any(
        part in name for part in ("actor", "novelty", "place", "numbers", "topic", "event", "dropped")
    ),
    "quotation and attribution": lambda name: "speech" in name or "quote" in name,
    "neighbouring boundaries (sequence)": lambda name: name.startswith(("before_", "after_")),
}


def columns_without(kind: str | None) -> list[int]:
    """Indices of FEATURES left when one kind of evidence is removed (None: all of them)."""
    if kind is None:
        return list(range(len(FEATURES)))
    drop = KINDS[kind]
    if kind != "neighbouring boundaries (sequence)":
        # A neighbour's copy of a removed feature goes too.
        return [k for k, name in enumerate(FEATURES) if not drop(name.removeprefix("before_").removeprefix("after_"))]
    return [k for k, name in enumerate(FEATURES) if not drop(name)]


def cache_key(train_path: Path) -> str:
    digest = hashlib.sha256(train_path.read_bytes())
    digest.update(
        json.dumps([STUDY_VERSION, list(FEATURES), TREES, SEED, FOLDS, SPLIT_WEIGHT, OFFSETS, JOINED_PER_FOLD]).encode()
    )
    return digest.hexdigest()


def _cv_row(
    articles: Sequence[Article], joined: Sequence[tuple[int, Article]], columns: Sequence[int], fraction: float = 1.0
) -> dict[str, Any]:
    odds = out_of_fold(articles, columns, fraction, joined=joined)
    return _row(articles, odds, len(columns))


def _row(articles: Sequence[Article], odds: Sequence[np.ndarray], features: int) -> dict[str, Any]:
    """Scores at the row's own best setting and the objective it maximises (one number to compare rows by, as rows
    settle at different points), and the out-of-fold area under the ROC curve of the log-odds over every gap, which
    needs no setting at all."""
    scale, offset, scores = choose(articles, odds, STUDY_SCALES)
    targets = np.concatenate([article.targets for article in articles])
    auc = roc_auc_score(targets, np.concatenate([np.asarray(values) for values in odds]))
    return {
        **scores,
        "objective": round(objective(scores), 3),
        "auc": round(float(auc), 3),
        "features": features,
        "scale": scale,
        "offset": offset,
    }


def curve_rows(
    articles: Sequence[Article],
    joined: Sequence[tuple[int, Article]],
    full: dict[str, Any],
    no_corpus: dict[str, Any] | None,
    done: set[float],
) -> Iterator[dict[str, Any]]:
    """CV scores when each fold trains on a share of the other folds' articles, with and without the corpus.

    `full` and `no_corpus` are the 100% rows, already computed for the ablation (no_corpus None: no corpus
    evidence); fractions in `done` are skipped.
    """
    has_corpus = no_corpus is not None
    for fraction in FRACTIONS:
        if fraction in done:
            continue
        if fraction == 1.0:
            yield {
                "fraction": fraction,
                "without_corpus": no_corpus or full,
                "with_corpus": full if has_corpus else None,
            }
            continue
        without = _cv_row(articles, joined, columns_without("corpus evidence (segcorpus)"), fraction)
        with_corpus = _cv_row(articles, joined, columns_without(None), fraction) if has_corpus else None
        yield {"fraction": fraction, "without_corpus": without, "with_corpus": with_corpus}


def exported(
    model: GradientBoostingClassifier, training: Sequence[Article], scale: float, offset: float, isotonic: Any
) -> BoundaryModel:
    """A fitted fold model as the service reads it, with the chosen setting and that fold's calibration."""
    trees, bias, rate = export_trees(model, np.vstack([article.features for article in training]))
    return scoring_model(trees, bias, rate, scale, offset, isotonic)


def pipeline_table(
    train_path: Path, articles: Sequence[Article], odds: Sequence[np.ndarray], models: Sequence[Any]
) -> dict[str, Any]:
    """natural-train scored as natural-dev is, through clean() and segment(), each article by the boundary model
    fitted without its fold (`models`, whose out-of-fold log-odds are `odds`) and the stray-headline model fitted
    without it: the honest whole-pipeline numbers, the cleaner's mistakes included.
    """
    documents = load_documents(train_path)
    # The shipped models' settings, so the table is what the service does with models that never saw the article.
    strays = train_stray.fold_models(train_path, SEED, stray_model().threshold)
    shipped = boundary_model()
    scale, offset = shipped.scale, shipped.offset
    folds = folds_of(len(articles))
    probability, correct, kept_fold = kept_boundaries(articles, odds, scale, offset)
    services = {}
    for fold, model in enumerate(models):
        training = [article for article, k in zip(articles, folds, strict=True) if k != fold]
        isotonic = calibration(probability[kept_fold != fold], correct[kept_fold != fold])
        services[fold] = exported(model, training, scale, offset, isotonic)
    by_text = {document["text"]: int(k) for document, k in zip(documents, folds, strict=True)}

    def sectioner(text: str) -> list[list[tuple[int, int]]]:
        fold = by_text[text]
        sections = segment(clean(text, strays[fold]), model=services[fold])
        return [[(span.start, span.end) for span in section.paragraphs] for section in sections]

    report = natural.score_natural(documents, sectioner)
    report.pop("seconds")
    return {**report, "scale": scale, "offset": offset, "reliability": reliability(probability, correct, kept_fold)}


def study(
    train_path: Path, refresh: bool = False, progress: Callable[[str], None] = lambda line: None
) -> dict[str, Any]:
    """The whole study of `train_path`, from the cache when it is current and `refresh` is False.

    The cache is written after each row, so an interrupted run resumes where it stopped.
    """
    key = cache_key(train_path)
    report: dict[str, Any] = {}
    if CACHE.is_file():
        report = json.loads(CACHE.read_text(encoding="utf-8"))
    if refresh or report.get("key") != key:
        report = {"key": key, "train": train_path.name}
    if report.get("complete"):
        return report
    articles = load(train_path)
    joined = augmented(articles)
    report["articles"] = len(articles)

    def save(what: str) -> None:
        CACHE.parent.mkdir(parents=True, exist_ok=True)
        CACHE.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        progress(what)

    odds, models = fold_models(articles, joined=joined) if "cross_validated" not in report else ([], [])
    if "ablation" not in report:
        report["ablation"] = [{"removed": "nothing", **_row(articles, odds, len(FEATURES))}]
        save("ablation: nothing removed")
    done = {row["removed"] for row in report["ablation"]}
    for kind in KINDS:
        columns = columns_without(kind)
        if kind not in done and len(columns) < len(FEATURES):
            report["ablation"].append({"removed": kind, **_cv_row(articles, joined, columns)})
            save(f"ablation: {kind}")
    if "cross_validated" not in report:
        report["cross_validated"] = pipeline_table(train_path, articles, odds, models)
        save("cross-validated table")
    rows = {row["removed"]: row for row in report["ablation"]}
    no_corpus = rows.get("corpus evidence (segcorpus)")
    report.setdefault("learning_curve", [])
    done_fractions = {row["fraction"] for row in report["learning_curve"]}
    for row in curve_rows(articles, joined, rows["nothing"], no_corpus, done_fractions):
        report["learning_curve"].append(row)
        report["learning_curve"].sort(key=lambda item: item["fraction"])
        save(f"learning curve: {row['fraction']}")
    report["complete"] = True
    save("done")
    return report


def _scores_line(row: dict[str, Any]) -> str:
    return (
        f"F1 {row['boundary_f1']:.3f}  count {row['count_accuracy']:.3f}  single split {row['single_story_split']:.3f}"
        f"  objective {row['objective']:.3f}  AUC {row['auc']:.3f}"
    )


def study_tables(report: dict[str, Any]) -> str:
    """The study as text: the whole-pipeline CV table, the reliability table, the ablation and the learning curve."""
    rows = [
        f"=== {report['train']}, cross-validated ({FOLDS} folds by article, {report.get('articles')} articles; "
        "each article segmented by a model that never saw it) ==="
    ]
    cv = report.get("cross_validated", {"reliability": []})
    if "results" in cv:
        rows += [
            natural.quality_table(cv),
            f"opening bonus setting (the shipped model's): scale {cv['scale']}, offset {cv['offset']}",
            "",
            "reliability of the confidence of the boundaries kept (calibration fitted on the other folds):",
            f"  {'confidence':<12}{'boundaries':>11}{'mean conf.':>12}{'correct':>9}",
        ]
    else:
        rows.append("(whole-pipeline table not computed yet: python benchmarks/segmentation.py --refresh-study)")
    for row in cv["reliability"]:
        mean = "-" if row["mean_confidence"] is None else f"{row['mean_confidence']:.3f}"
        right = "-" if row["share_correct"] is None else f"{row['share_correct']:.3f}"
        rows.append(f"  {row['bin']:<12}{row['boundaries']:>11}{mean:>12}{right:>9}")
    rows += ["", "ablation (CV on natural-train, perfect cleaner; each kind of evidence removed in turn):"]
    for row in report.get("ablation", []):
        rows.append(f"  {row['removed']:<50}{row['features']:>4} features  {_scores_line(row)}")
    if not report.get("complete"):
        rows.append("  (the study stopped before the end: run again to finish it)")
    rows += ["", "learning curve (CV F1 / count / single split with a share of the training folds):"]
    for row in report.get("learning_curve", []):
        with_corpus = (
            "n/a (no corpus evidence in this build)" if row["with_corpus"] is None else _scores_line(row["with_corpus"])
        )
        rows.append(f"  {int(row['fraction'] * 100):>3}%  without corpus: {_scores_line(row['without_corpus'])}")
        rows.append(f"        with corpus:    {with_corpus}")
    return "\n".join(rows)
