"""The pure scoring functions of the segmentation benchmark (both formats) on small cases worked out by hand."""

import pytest

from benchmarks.natural import (
    NaturalTally,
    SplitTally,
    fill_furniture,
    gold_sections,
    is_subheading,
    near_matches,
    score_natural,
)
from benchmarks.segmentation import score
from benchmarks.segmentation_scoring import (
    boundaries,
    even_split,
    f1,
    locate,
    paragraph_sections,
    pk,
    segment_lengths,
    window_diff,
    window_size,
)
from tests.benchmarks.segmentation_documents import (
    ONE_STORY_ROWS,
    TWO_STORY_ROWS,
    every_paragraph,
    keeping,
    natural_document,
    synthetic_document,
)

TWO_STORIES = [0, 0, 0, 0, 1, 1, 1, 1]


def test_perfect_segmentation_scores_zero_error_and_full_f1() -> None:
    reference = [0, 0, 0, 1, 1, 2, 2, 2]
    k = window_size(reference)
    assert pk(reference, reference, k) == 0.0
    assert window_diff(reference, reference, k) == 0.0
    assert boundaries(reference) == {3, 5}
    assert f1(2, 0, 0) == 1.0


def test_one_section_against_two_gold_sections() -> None:
    # k = 4 / 2 = 2; six windows (i, i + 2); only those at i = 2 and i = 3 straddle the boundary before paragraph 4.
    hypothesis = [0] * 8
    assert window_size(TWO_STORIES) == 2
    assert pk(TWO_STORIES, hypothesis, 2) == pytest.approx(2 / 6)
    assert window_diff(TWO_STORIES, hypothesis, 2) == pytest.approx(2 / 6)
    assert f1(len(boundaries(TWO_STORIES) & boundaries(hypothesis)), 0, 1) == 0.0


def test_a_boundary_one_paragraph_early() -> None:
    # Pairs (1, 3) and (3, 5) disagree; windows 1 and 3 hold one boundary on one side only.
    hypothesis = [0, 0, 0, 1, 1, 1, 1, 1]
    assert pk(TWO_STORIES, hypothesis, 2) == pytest.approx(2 / 6)
    assert window_diff(TWO_STORIES, hypothesis, 2) == pytest.approx(2 / 6)
    assert boundaries(TWO_STORIES) & boundaries(hypothesis) == set()


def test_window_diff_counts_boundaries_where_pk_does_not() -> None:
    # An extra boundary next to the right one: every pair 3 apart is still told apart on both sides, so Pk
    # sees nothing, while windows 0 and 1 hold two boundaries against one.
    reference = [0, 0, 0, 1, 1, 1]
    hypothesis = [0, 0, 1, 2, 2, 2]
    assert pk(reference, hypothesis, 3) == 0.0
    assert window_diff(reference, hypothesis, 3) == pytest.approx(2 / 3)


def test_scores_are_zero_when_the_document_is_shorter_than_the_window() -> None:
    assert pk([0, 1], [0, 0], 2) == 0.0
    assert window_diff([0, 1], [0, 0], 2) == 0.0


@pytest.mark.parametrize(
    ("reference", "k"),
    [([0, 0, 1, 1], 2), ([0] * 10 + [1] * 10, 5), ([0] * 5 + [1] * 6, 3), ([0, 0, 0, 1, 1, 1, 1, 1, 1, 1], 3)],
)
def test_window_size_is_half_the_mean_segment_rounded_half_up_at_least_two(reference: list[int], k: int) -> None:
    assert window_size(reference) == k


def test_f1_counts() -> None:
    assert f1(0, 0, 0) == 1.0
    assert f1(1, 1, 0) == pytest.approx(2 / 3)
    assert f1(0, 2, 3) == 0.0


def test_segment_lengths_are_runs_of_equal_labels() -> None:
    assert segment_lengths([0, 0, 1, 2, 2, 2]) == [2, 1, 3]
    assert segment_lengths([]) == []


@pytest.mark.parametrize(
    ("paragraphs", "mean_length", "labels"),
    [(8, 4.0, [0, 0, 0, 0, 1, 1, 1, 1]), (7, 3.0, [0, 0, 0, 0, 1, 1, 1]), (3, 4.0, [0, 0, 0]), (2, 0.5, [0, 1])],
)
def test_even_split_cuts_sections_of_the_mean_length(paragraphs: int, mean_length: float, labels: list[int]) -> None:
    assert even_split(paragraphs, mean_length) == labels


def test_locate_finds_paragraphs_in_order_even_when_repeated() -> None:
    text = "ab\n\ncd\n\nab"
    assert locate(text, ["ab", "cd", "ab"]) == [(0, 2), (4, 6), (8, 10)]
    with pytest.raises(ValueError):
        locate(text, ["cd", "cd"])


def test_paragraph_goes_to_the_section_covering_most_of_it() -> None:
    paragraphs = [(0, 10), (12, 30)]
    # The second gold paragraph was cut in two by the system: 4 characters in section 0, 14 in section 1.
    sections = [[(0, 10), (12, 16)], [(16, 30)]]
    assert paragraph_sections(paragraphs, sections) == [0, 1]


def test_removed_paragraph_takes_its_predecessors_section() -> None:
    paragraphs = [(0, 10), (12, 20), (22, 30), (32, 40)]
    sections = [[(0, 10)], [(22, 30), (32, 40)]]  # (12, 20) was furniture
    assert paragraph_sections(paragraphs, sections) == [0, 0, 1, 1]


def test_removed_first_paragraph_takes_the_first_section() -> None:
    assert paragraph_sections([(0, 5), (7, 20)], [[(7, 20)]]) == [0, 0]
    assert paragraph_sections([(0, 5)], []) == [0]


def test_tied_overlap_goes_to_the_earlier_section() -> None:
    assert paragraph_sections([(0, 10)], [[(0, 5)], [(5, 10)]]) == [0]


def test_synthetic_scoring_takes_any_sectioner() -> None:
    # Five paragraphs from two sources, each made a section: four boundaries found, one of them right.
    results, seconds = score([synthetic_document()], every_paragraph)
    assert results["system"]["mixed"]["too_many_sections"] == 1
    assert results["system"]["all"]["boundary_f1"] == pytest.approx(2 * 1 / (2 * 1 + 3 + 0), abs=1e-4)
    assert seconds > 0


# The natural format: furniture, returning stories, near boundaries, single stories and cleaning.


@pytest.mark.parametrize(
    ("labels", "filled"),
    [
        ([0, 0, -1, 0, 1], [0, 0, 0, 0, 1]),
        ([0, 0, -1, 1, 1], [0, 0, 0, 1, 1]),
        ([-1, -1, 0, 1], [0, 0, 0, 1]),
        ([-1, 3, 3], [3, 3, 3]),
        ([0, 1, -1, -1], [0, 1, 1, 1]),
        ([-1, -1], [0, 0]),
    ],
    ids=["middle-of-a-story", "at-a-story-change", "leading", "leading-takes-the-first-real-label", "trailing", "all"],
)
def test_furniture_takes_the_story_before_it_or_the_first_one_when_it_leads(
    labels: list[int], filled: list[int]
) -> None:
    assert fill_furniture(labels) == filled


def test_furniture_creates_no_gold_boundary() -> None:
    assert gold_sections([-1, 0, -1, 0, 0, -1, 1, 1, -1]) == [0, 0, 0, 0, 0, 0, 1, 1, 1]
    assert boundaries(gold_sections([-1, 0, -1, 0, 0, -1, 1, 1, -1])) == {6}


def test_a_story_the_article_comes_back_to_is_a_new_section() -> None:
    assert gold_sections([0, 0, 1, 1, 0, 0]) == [0, 0, 1, 1, 2, 2]
    assert gold_sections([0, 1, -1, 0, 2]) == [0, 1, 1, 2, 3]


@pytest.mark.parametrize(
    ("gold", "found", "matched"),
    [
        ({4}, {4}, 1),
        ({4}, {3}, 1),
        ({4}, {5}, 1),
        ({4}, {2}, 0),
        ({3, 5}, {4}, 1),
        ({4}, {3, 5}, 1),
        # Nearest first: the exact pair 4-4 is taken, which leaves 3 and 5, two apart, unmatched.
        ({3, 4}, {4, 5}, 1),
        (set(), {2}, 0),
    ],
    ids=[
        "exact",
        "early-by-one",
        "late-by-one",
        "early-by-two",
        "one-found-two-gold",
        "two-found-one-gold",
        "exact-pairs-first",
        "nothing-to-find",
    ],
)
def test_near_matches_are_one_to_one_within_one_paragraph(gold: set[int], found: set[int], matched: int) -> None:
    assert near_matches(gold, found) == matched


def test_a_boundary_one_paragraph_early_counts_within_one_but_not_exactly() -> None:
    early_by_one, early_by_two = NaturalTally(), NaturalTally()
    early_by_one.add(TWO_STORIES, [0, 0, 0, 1, 1, 1, 1, 1])
    early_by_two.add(TWO_STORIES, [0, 0, 1, 1, 1, 1, 1, 1])
    assert early_by_one.summary()["boundary_f1"] == 0.0
    assert early_by_one.summary()["boundary_f1_within_one"] == 1.0
    assert early_by_two.summary()["boundary_f1_within_one"] == 0.0


def test_one_found_boundary_between_two_gold_ones_matches_only_one() -> None:
    tally = NaturalTally()
    tally.add([0, 0, 0, 1, 1, 2, 2, 2], [0, 0, 0, 0, 1, 1, 1, 1])
    # Precision 1/1, recall 1/2.
    assert tally.summary()["boundary_f1_within_one"] == pytest.approx(2 / 3, abs=1e-4)


def test_single_story_split_counts_articles_given_more_than_one_section() -> None:
    tally = SplitTally()
    for hypothesis in ([0, 0, 0], [0, 0, 1], [0, 1, 1, 2], [0]):
        tally.add(hypothesis)
    assert tally.summary() == {"documents": 4, "split": 2, "split_rate": 0.5}
    assert SplitTally().summary()["split_rate"] is None


@pytest.mark.parametrize(
    ("paragraph", "subheading"),
    [
        ("ملعب جديد لشباب الحي", True),
        ("ملعب جديد لشباب الحي \n", True),
        ("افتتحت البلدية ملعبا جديدا لكرة القدم في حي النزهة أمس", True),
        ("افتتحت البلدية ملعبا جديدا لكرة القدم في حي النزهة يوم الخميس", False),
        ("وأكد رئيس البلدية أن الملعب مفتوح.", False),
        ("هل يعود الهدوء إلى المدينة؟", False),
        ("هل يعود الهدوء إلى المدينة?", False),
        ("لا تراجع!", False),
        ("وقال رئيس البلدية:", False),
        ('وقال "لن نتراجع"', False),
        ("وقال «لن نتراجع»", False),
    ],
)
def test_a_subheading_is_a_short_line_that_does_not_end_a_sentence(paragraph: str, subheading: bool) -> None:
    assert is_subheading(paragraph) is subheading


def test_cleaning_counts_removed_furniture_and_article_paragraphs_and_kept_subheadings() -> None:
    # Kept: the link (2) inside the first section, the subheading (3) opening the second; dropped: 5 and 6.
    report = score_natural([natural_document("multi", TWO_STORY_ROWS)], keeping([0, 1, 2], [3, 4]))
    assert report["cleaning"] == {
        "furniture_paragraphs": 2,
        "furniture_removed": 1,
        "furniture_recall": 0.5,
        "article_paragraphs": 4,
        "article_paragraphs_removed": 1,
        "article_removed_share": 0.25,
        "subheadings": 1,
        "subheadings_kept": 1,
        "subheadings_kept_share": 1.0,
        "subheadings_opening_a_section": 1,
    }
    # Dropped paragraphs take the section before them, so the one boundary is found where the gold has it.
    assert report["results"]["system"]["multi"]["boundary_f1"] == 1.0
    assert report["results"]["system"]["multi"]["count_accuracy"] == 1.0


@pytest.mark.parametrize(
    ("groups", "kept", "opening", "f1_exact", "f1_near"),
    [
        # The subheading closes the first section: the boundary comes one paragraph late.
        (([0, 1, 3], [4, 5]), 1, 0, 0.0, 1.0),
        # The subheading is dropped and so joins the first section.
        (([0, 1], [4, 5]), 0, 0, 0.0, 1.0),
    ],
    ids=["kept-at-the-end-of-a-section", "dropped"],
)
def test_a_subheading_that_does_not_open_a_section(
    groups: tuple[list[int], ...], kept: int, opening: int, f1_exact: float, f1_near: float
) -> None:
    report = score_natural([natural_document("multi", TWO_STORY_ROWS)], keeping(*groups))
    assert report["cleaning"]["furniture_recall"] == 1.0
    assert report["cleaning"]["subheadings_kept"] == kept
    assert report["cleaning"]["subheadings_opening_a_section"] == opening
    assert report["results"]["system"]["multi"]["boundary_f1"] == f1_exact
    assert report["results"]["system"]["multi"]["boundary_f1_within_one"] == f1_near


def test_single_articles_count_for_splitting_and_multi_articles_for_segmentation() -> None:
    documents = [natural_document("multi", TWO_STORY_ROWS), natural_document("single", ONE_STORY_ROWS)]
    results = score_natural(documents, every_paragraph)["results"]
    assert results["system"]["single"] == {"documents": 1, "split": 1, "split_rate": 1.0}
    assert results["system"]["multi"]["documents"] == 1
    assert results["system"]["multi"]["too_many_sections"] == 1
    assert results["no_boundary"]["single"]["split"] == 0


def test_score_natural_rejects_synthetic_documents() -> None:
    document = {**natural_document("multi", ONE_STORY_ROWS), "kind": "mixed"}
    with pytest.raises(ValueError, match="mixed"):
        score_natural([document], every_paragraph)
