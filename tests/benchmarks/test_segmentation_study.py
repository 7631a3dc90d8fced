"""The committed cross-validated study of natural-train is current, and the benchmark prints every part of it."""

import json
from pathlib import Path

import pytest

from benchmarks import segmentation, segmentation_study
from benchmarks.segmenter_cv import SHARED_SEGMENTATION

TRAIN = SHARED_SEGMENTATION / "natural-train.jsonl"


@pytest.fixture(scope="module")
def train() -> Path:
    if not TRAIN.is_file():
        pytest.skip(f"{TRAIN} not found (../shared is absent)")
    return TRAIN


def test_the_committed_study_is_complete_and_made_for_todays_data_and_settings(train: Path) -> None:
    report = json.loads(segmentation_study.CACHE.read_text(encoding="utf-8"))
    # A stale cache (other training file, features, trees or offsets) would print numbers no longer true.
    assert report["key"] == segmentation_study.cache_key(train), (
        "rerun: python benchmarks/segmentation.py --refresh-study"
    )
    assert report["complete"] is True
    assert report["articles"] == len(train.read_text(encoding="utf-8").splitlines())
    removed = [row["removed"] for row in report["ablation"]]
    assert removed == ["nothing", *segmentation_study.KINDS]
    assert [row["fraction"] for row in report["learning_curve"]] == list(segmentation_study.FRACTIONS)


def test_the_benchmark_prints_the_table_the_ablation_the_curve_and_the_stray_model(train: Path) -> None:
    text = segmentation.study_text(refresh=False)
    for part in ("cross-validated", "reliability", "ablation", "learning curve", "stray headlines"):
        assert part in text, part
    for kind in segmentation_study.KINDS:
        assert kind in text
