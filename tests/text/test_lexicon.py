"""Content words, stopwords and the light stemmer behind segmentation and keywords."""

import pytest

from service.text import normalize
from service.text.lexicon import content_words, is_stopword, stem
from service.text.stopwords import STOPWORDS


def test_stopwords_are_written_in_normalized_form() -> None:
    assert sorted(word for word in STOPWORDS if normalize(word) != word) == []


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("الغارات", "غار"),
        ("والمسؤولون", "مسؤول"),
        ("للتنظيم", "تنظيم"),
        ("بالمدينه", "مدين"),
        ("الامريكيين", "امريكي"),
        ("سياستها", "سياست"),
        ("وزير", "وزير"),
        ("سرت", "سرت"),
        ("اله", "اله"),
    ],
)
def test_stem_strips_one_prefix_and_one_suffix_keeping_three_letters(word: str, expected: str) -> None:
    assert stem(word) == expected


@pytest.mark.parametrize("word", ["في", "الذي", "وقال", "فإنه", "وبعد", "لذلك", "كانت"])
def test_function_words_are_stopwords_with_or_without_clitics(word: str) -> None:
    assert is_stopword(normalize(word))


@pytest.mark.parametrize("word", ["حكومة", "بغداد", "الانتخابات", "ليبيا"])
def test_topic_words_are_not_stopwords(word: str) -> None:
    assert not is_stopword(normalize(word))


def test_content_words_skip_stopwords_numbers_and_short_words() -> None:
    text = "وقال الوزير إن 25 شخصاً قُتلوا في القصف على حي ما."
    words = content_words(text)
    assert [word.surface for word in words] == ["الوزير", "شخصاً", "قُتلوا", "القصف"]
    assert [word.stem for word in words] == ["وزير", "شخصا", "قتلوا", "قصف"]


def test_content_words_report_surfaces_found_in_the_text() -> None:
    text = "زار الرئيسُ المستشفى الميداني في المدينة."
    assert all(word.surface in text for word in content_words(text))
