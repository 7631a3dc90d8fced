"""The segmenter on the dev set (../shared), scored by benchmarks/segmentation.py against the issue's targets."""

from pathlib import Path
from typing import Any

import pytest

from benchmarks import train_segmenter
from benchmarks.segmentation import evaluate, load, table

pytestmark = pytest.mark.slow  # scores the segmenter on every document of the dev set: seconds

DEV_SET = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "segmentation" / "dev.jsonl"
# Targets of the issue, for each kind of document.
MAX_PK = 0.06
MAX_WINDOW_DIFF = 0.08
MIN_COUNT_ACCURACY = 0.80
MIN_BOUNDARY_F1 = 0.92
# Single source articles cut into more than one section: 38 of 719 (0.053) when this check was added, 31 of 719
# (0.043) with the boundary model of issue 11. Issue 18's boosted trees split 65 of 719 (0.090): with them, no
# opening-bonus setting keeps both this and the reference article's three sections (train_segmenter.py tries them
# all), so this bound is a known regression, reported to the lead, not a target. train_segmenter.py chooses only
# among the settings that hold it.
MAX_SINGLE_STORY_OVERSPLIT = train_segmenter.MAX_SINGLE_STORY_OVERSPLIT


@pytest.fixture(scope="module")
def report() -> dict[str, Any]:
    if not DEV_SET.is_file():
        pytest.skip(f"segmentation dev set not found at {DEV_SET} (../shared is absent)")
    return evaluate(load(DEV_SET))


def test_dev_set_report_is_shown(report: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    with capsys.disabled():
        print(f"\nsegmentation dev set ({DEV_SET}):\n{table(report)}")


@pytest.mark.parametrize("kind", ["mixed", "same"])
def test_dev_set_meets_the_segmentation_targets(report: dict[str, Any], kind: str) -> None:
    scores = report["results"]["system"][kind]
    assert scores["pk"] <= MAX_PK
    assert scores["window_diff"] <= MAX_WINDOW_DIFF
    assert scores["count_accuracy"] >= MIN_COUNT_ACCURACY
    assert scores["boundary_f1"] >= MIN_BOUNDARY_F1


@pytest.mark.parametrize("kind", ["mixed", "same"])
def test_dev_set_system_beats_both_baselines(report: dict[str, Any], kind: str) -> None:
    system = report["results"]["system"][kind]
    for baseline in ("no_boundary", "even_split"):
        assert system["pk"] < report["results"][baseline][kind]["pk"]
        assert system["boundary_f1"] > report["results"][baseline][kind]["boundary_f1"]


def test_dev_set_single_stories_are_not_split_more_often(report: dict[str, Any]) -> None:
    assert report["single_story_oversplit_rate"] <= MAX_SINGLE_STORY_OVERSPLIT
