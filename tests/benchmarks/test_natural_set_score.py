"""The cleaner and segmenter on the real articles of natural-dev.jsonl (../shared), scored by benchmarks/natural.py."""

from pathlib import Path
from typing import Any

import pytest

from benchmarks.natural import evaluate_natural, natural_table
from benchmarks.segmentation_scoring import load

pytestmark = pytest.mark.slow  # cleans and segments every article of the natural set: about a second

NATURAL_DEV_SET = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "segmentation" / "natural-dev.jsonl"
# No-regression floors: what the cleaner and the segmenter score now (issue 18's boosted trees); the issue's targets
# are above most of them (boundary F1 0.82, count accuracy 0.75, single-story split 0.12), see docs/segmentation.md.
# The opening-bonus setting and the number of joined-openings documents are chosen by cross-validation on
# natural-train (the honest number), not here. Training on 20 joined documents per fold instead of 40 raised the
# cross-validated objective 0.775 -> 0.824; here F1 0.713 -> 0.804 and count 0.578 -> 0.644, with single stories
# split 6 -> 7 of 25 (9 of 25 under the setting the reference article once forced). The floors record that trade.
MIN_BOUNDARY_F1 = 0.80
MIN_BOUNDARY_F1_WITHIN_ONE = 0.82
MIN_COUNT_ACCURACY = 0.64
MAX_SINGLE_STORY_SPLIT = 0.28  # 7 of 25 single-story articles
# 41 of 42 furniture paragraphs: the stray-headline model retrained on the rules' output after the teaser, link and
# disclaimer rules changed keeps one stray headline here that the earlier model removed (42 of 42), while on
# natural-train, cross-validated through the whole pipeline, furniture removed rose 273 -> 291 of 345 and article
# paragraphs removed fell 25 -> 7 of 7,507; the target here is 0.95.
MIN_FURNITURE_RECALL = 0.97
MAX_ARTICLE_REMOVED_SHARE = 0.0  # 0 of 786 article paragraphs
MIN_SUBHEADINGS_KEPT_SHARE = 1.0  # 13 of 13 subheadings


@pytest.fixture(scope="module")
def report() -> dict[str, Any]:
    if not NATURAL_DEV_SET.is_file():
        pytest.skip(f"natural segmentation set not found at {NATURAL_DEV_SET} (../shared is absent)")
    return evaluate_natural(load(NATURAL_DEV_SET))


def test_natural_set_report_is_shown(report: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    with capsys.disabled():
        print(f"\nreal articles ({NATURAL_DEV_SET}):\n{natural_table(report)}")


def test_natural_set_boundaries_are_found_no_worse(report: dict[str, Any]) -> None:
    multi = report["results"]["system"]["multi"]
    assert multi["boundary_f1"] >= MIN_BOUNDARY_F1
    assert multi["boundary_f1_within_one"] >= MIN_BOUNDARY_F1_WITHIN_ONE


def test_natural_set_section_counts_are_right_no_less_often(report: dict[str, Any]) -> None:
    assert report["results"]["system"]["multi"]["count_accuracy"] >= MIN_COUNT_ACCURACY


def test_natural_set_single_stories_are_split_no_more_often(report: dict[str, Any]) -> None:
    assert report["results"]["system"]["single"]["split_rate"] <= MAX_SINGLE_STORY_SPLIT


def test_natural_set_furniture_is_removed_no_less(report: dict[str, Any]) -> None:
    assert report["cleaning"]["furniture_recall"] >= MIN_FURNITURE_RECALL


def test_natural_set_article_paragraphs_are_removed_no_more(report: dict[str, Any]) -> None:
    assert report["cleaning"]["article_removed_share"] <= MAX_ARTICLE_REMOVED_SHARE


def test_natural_set_subheadings_are_kept_no_less(report: dict[str, Any]) -> None:
    assert report["cleaning"]["subheadings_kept_share"] >= MIN_SUBHEADINGS_KEPT_SHARE
