"""The corpus build: byte-for-byte rebuilds, and no excluded article ever in a model's manifest."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from benchmarks import build_semantic
from service.text import corpus_model

SEGMENTATION = Path(__file__).resolve().parents[3] / "shared" / "data" / "segmentation"
needs_shared = pytest.mark.skipif(not SEGMENTATION.is_dir(), reason="../shared/data/segmentation is absent")
# Articles of natural-train written out as a corpus tree: enough for a vocabulary, small enough for seconds.
SLICE = 160


def _fake_corpus(root: Path) -> list[str]:
    """natural-train's first SLICE articles as corpus files at their corpus paths; returns their ids."""
    lines = (SEGMENTATION / "natural-train.jsonl").read_text(encoding="utf-8").splitlines()[:SLICE]
    ids = []
    for line in lines:
        record = json.loads(line)
        path = root / record["id"]
        path.parent.mkdir(parents=True, exist_ok=True)
        body = "\n".join(record["paragraphs"])
        path.write_text(f"<DOC>\n<TITLE>{record['title']}</TITLE>\n<TEXT>\n{body}\n</TEXT>\n</DOC>\n", encoding="utf-8")
        ids.append(record["id"])
    return ids


def _build(corpus: Path, exclude: Path, out: Path, seed: int) -> dict:
    argv = ["--corpus", str(corpus), "--seed", str(seed), "--out", str(out), "--exclude", str(exclude)]
    argv += ["--natural-dev", str(SEGMENTATION / "natural-dev.jsonl"), "--dimensions", "16"]
    assert build_semantic.main(argv) == 0
    return json.loads(out.with_name(out.stem + ".manifest.json").read_text(encoding="utf-8"))


@needs_shared
@pytest.mark.slow
def test_build_is_byte_identical_and_skips_excluded_articles(tmp_path: Path) -> None:
    ids = _fake_corpus(tmp_path / "corpus")
    excluded = ids[::7]
    exclude = tmp_path / "exclude.txt"
    exclude.write_text("\n".join(excluded) + "\n", encoding="utf-8")
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    first = _build(tmp_path / "corpus", exclude, tmp_path / "one" / "model.npz", seed=3)
    second = _build(tmp_path / "corpus", exclude, tmp_path / "two" / "model.npz", seed=3)
    assert (tmp_path / "one" / "model.npz").read_bytes() == (tmp_path / "two" / "model.npz").read_bytes()
    assert first["article_ids"] == second["article_ids"]
    assert not set(excluded) & set(first["article_ids"])
    assert set(first["article_ids"]) <= set(ids) - set(excluded)
    assert first["seed"] == 3 and len(first["exclusion_list_sha256"]) == 64
    model = corpus_model.read(tmp_path / "one" / "model.npz")
    assert model.vectors.shape[1] == 16 and len(model.index) == model.vectors.shape[0]


@needs_shared
def test_shipped_model_never_used_an_excluded_or_evaluation_article() -> None:
    manifest = json.loads(corpus_model.MANIFEST.read_text(encoding="utf-8"))
    excluded = set((SEGMENTATION / "corpus-exclude.txt").read_text(encoding="utf-8").split())
    lines = (SEGMENTATION / "natural-dev.jsonl").read_text(encoding="utf-8").splitlines()
    evaluation = {json.loads(line)["id"] for line in lines if line.strip()}
    used = set(manifest["article_ids"])
    assert len(used) == manifest["articles_used"] > 20_000
    assert not used & excluded
    assert not used & evaluation


def test_shipped_manifest_matches_the_shipped_artifact() -> None:
    manifest = json.loads(corpus_model.MANIFEST.read_text(encoding="utf-8"))
    assert manifest["artifact_sha256"] == hashlib.sha256(corpus_model.ARTIFACT.read_bytes()).hexdigest()
    assert corpus_model.ARTIFACT.stat().st_size <= 40 * 1024 * 1024
