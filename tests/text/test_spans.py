"""Line scanning that every other text module builds its offsets on."""

import pytest

from service.text.spans import Span, line_ranges, trimmed, trimmed_lines


@pytest.mark.parametrize(
    "text",
    ["سطر أول\nسطر ثان", "سطر أول\r\nسطر ثان\r\n", "أ\rب\u2028ج\n\nد", "", "\n\n", "سطر بلا نهاية"],
)
def test_line_ranges_agree_with_splitlines(text: str) -> None:
    assert [text[start:end] for start, end in line_ranges(text)] == text.splitlines()


def test_line_ranges_of_a_slice_use_absolute_offsets() -> None:
    text = "مقدمة\nالسطر الأول\nالسطر الثاني\nخاتمة"
    start, end = text.index("السطر الأول"), text.index("\nخاتمة")
    assert [text[a:b] for a, b in line_ranges(text, start, end)] == ["السطر الأول", "السطر الثاني"]


def test_trimmed_drops_surrounding_whitespace_and_keeps_offsets() -> None:
    text = "   خبر عاجل \t"
    span = trimmed(text, 0, len(text))
    assert span == Span(3, 11, "خبر عاجل")
    assert text[span.start : span.end] == span.text


def test_trimmed_lines_marks_blank_lines_with_none() -> None:
    assert [span and span.text for span in trimmed_lines("عنوان\n  \nفقرة ")] == ["عنوان", None, "فقرة"]
