"""The pure scoring functions of benchmarks/segmentation.py on small cases worked out by hand."""

import pytest

from benchmarks.segmentation import (
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
