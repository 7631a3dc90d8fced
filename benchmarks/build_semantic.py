"""Build the corpus model (service/text/corpus_model.npz) from a checkout of the ANT corpus, and its manifest.

    python benchmarks/build_semantic.py --corpus /tmp/ant --seed 0

Skips every article of the exclusion list (and of natural-dev), writes the manifest beside the artifact, and prints
the held-out corpus AUC of each kind of evidence. Same corpus commit and seed give the same bytes.
"""

from __future__ import annotations

import os

# One BLAS thread before numpy loads: a multi-threaded BLAS may sum in a different order from run to run.
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_variable] = "1"

import argparse  # noqa: E402
import hashlib  # noqa: E402
import json  # noqa: E402
import logging  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

from benchmarks import semantic_fit  # noqa: E402
from benchmarks.semantic_corpus import article_paths, read_articles  # noqa: E402
from benchmarks.semantic_pairs import CALIBRATION, HELD_OUT, Pair, auc, bag_of, corpus_pairs, fit_logistic  # noqa: E402
from service.text import corpus_model, semantic  # noqa: E402
from service.text.corpus_model import CorpusModel  # noqa: E402

logger = logging.getLogger("build_semantic")

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "segmentation"
# Fewer calibration pairs than this cannot fit the pair model's five numbers.
MIN_CALIBRATION = 200
PAIR_FEATURES = ["vector_cosine", "overlap", "kept_next", "kept_next_sum", "kept_context"]


def main(argv: list[str] | None = None) -> int:
    """Build the artifact and manifest; print the held-out corpus AUCs as JSON."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, required=True, help="a checkout of antcorpus.multisource.data")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=corpus_model.ARTIFACT)
    parser.add_argument("--exclude", type=Path, default=SHARED / "corpus-exclude.txt")
    parser.add_argument("--natural-dev", type=Path, default=SHARED / "natural-dev.jsonl")
    parser.add_argument("--vocabulary", type=int, default=50_000, help="most frequent terms kept")
    parser.add_argument("--dimensions", type=int, default=semantic_fit.DIMENSIONS, help="word vector size")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    started = time.monotonic()
    excluded = set(args.exclude.read_text(encoding="utf-8").split())
    if args.natural_dev.exists():
        lines = args.natural_dev.read_text(encoding="utf-8").splitlines()
        excluded |= {json.loads(line)["id"] for line in lines if line.strip()}
    articles = list(read_articles(args.corpus, article_paths(args.corpus, excluded)))
    logger.info("%d articles read", len(articles))
    words = semantic_fit.vocabulary(articles, args.vocabulary)
    encoded = semantic_fit.encode(articles, words)
    arrays = semantic_fit.term_statistics(encoded, len(words))
    arrays["vectors"] = semantic_fit.word_vectors(
        semantic_fit.paragraph_matrix(encoded, len(words)), args.seed, args.dimensions
    )
    logger.info("vocabulary of %d terms, vectors done", len(words))
    pairs = corpus_pairs(articles, encoded, args.seed)
    statistics = [pair for split in sorted(pairs) if split not in (HELD_OUT, CALIBRATION) for pair in pairs[split]]
    arrays.update(semantic_fit.keep_rates(statistics, arrays["idf"]))
    arrays["pair"] = np.zeros(len(PAIR_FEATURES) + 1)
    draft = _model(args.out, words, arrays)
    # A small corpus (the tests' slice) may leave the calibration tenth without pairs: fit on the rest then.
    calibration = pairs[CALIBRATION] if len(pairs[CALIBRATION]) >= MIN_CALIBRATION else statistics
    features, labels = _pair_table(draft, calibration)
    arrays["pair"] = fit_logistic(features, labels)
    model = _model(args.out, words, arrays)
    _write_manifest(args, [article.id for article in articles])
    report = held_out_report(model, pairs[HELD_OUT])
    print(json.dumps({"seconds": round(time.monotonic() - started, 1), "held_out_auc": report}, indent=2))
    return 0


def _model(path: Path, words: list[str], arrays: dict[str, np.ndarray]) -> CorpusModel:
    """Write the artifact and read it back, so that later steps see exactly the float16 numbers shipped."""
    corpus_model.write(path, words, arrays, PAIR_FEATURES)
    return corpus_model.read(path)


def _pair_table(model: CorpusModel, pairs: list[Pair]) -> tuple[np.ndarray, np.ndarray]:
    idf, vectors = model.terms["idf"], model.vectors
    rows = []
    for context, paragraph, _ in pairs:
        values = semantic.pair_features(bag_of(context, idf, vectors), bag_of(paragraph, idf, vectors), model)
        rows.append([values[name] for name in PAIR_FEATURES])
    return np.array(rows), np.array([same for _, _, same in pairs], dtype=np.float64)


def held_out_report(model: CorpusModel, pairs: list[Pair]) -> dict[str, float | int]:
    """AUC of each pair feature and of the pair model for "same story" on held-out corpus pairs."""
    if not pairs:
        return {"pairs": 0}
    features, labels = _pair_table(model, pairs)
    report: dict[str, float | int] = {
        name: round(auc(features[:, k], labels > 0), 4) for k, name in enumerate(PAIR_FEATURES)
    }
    logits = model.pair_bias + features @ model.pair_weights
    report["pair_logit"] = round(auc(logits, labels > 0), 4)
    report["pairs"] = len(pairs)
    return report


def _write_manifest(args: argparse.Namespace, ids: list[str]) -> None:
    commit = subprocess.run(
        ["git", "-C", str(args.corpus), "rev-parse", "HEAD"], capture_output=True, text=True, check=False
    ).stdout.strip()
    manifest = {
        "corpus": "https://github.com/antcorpus/antcorpus.multisource.data",
        "corpus_commit": commit or None,
        "exclusion_list_sha256": hashlib.sha256(args.exclude.read_bytes()).hexdigest(),
        "seed": args.seed,
        "vocabulary": args.vocabulary,
        "command": "python benchmarks/build_semantic.py " + " ".join(sys.argv[1:]),
        "artifact_sha256": hashlib.sha256(args.out.read_bytes()).hexdigest(),
        "articles_used": len(ids),
        "article_ids": ids,
    }
    path = args.out.with_name(args.out.name.removesuffix(".npz") + ".manifest.json")
    path.write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
