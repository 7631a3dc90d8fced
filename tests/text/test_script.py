"""count_letters(): which share of a text's letters is Arabic."""

import pytest

from service.text.script import MIN_ARABIC_SHARE, count_letters


@pytest.mark.parametrize(
    ("text", "letters", "arabic"),
    [
        ("وصل الوفد", 8, 8),
        ("Officials met", 12, 0),
        ("قال (CNN) إن", 8, 5),
        ("١٢٣ 2024 ... 🙂", 0, 0),
        ("الوفدُ\u200d\u202bوصل\u202c", 8, 8),  # diacritics, zero-width joiner and bidi controls are not letters
        ("ﻻ ﷲ", 2, 2),  # presentation forms
        ("", 0, 0),
    ],
)
def test_count_letters(text: str, letters: int, arabic: int) -> None:
    counted = count_letters(text)
    assert (counted.letters, counted.arabic) == (letters, arabic)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("وصل الوفد إلى القاهرة", True),
        ("قال المتحدث باسم Reuters و Associated Press", True),
        ("Les responsables se sont réunis au Caire jeudi.", False),
        ("Officials met in Cairo (القاهرة) on Thursday after a long delay.", False),
        ("2024 🙂", False),
    ],
)
def test_reads_as_arabic_needs_an_arabic_letter_and_a_fifth_of_them(text: str, expected: bool) -> None:
    counted = count_letters(text)
    assert counted.reads_as_arabic is expected
    assert (counted.arabic_share >= MIN_ARABIC_SHARE and counted.arabic > 0) is expected
