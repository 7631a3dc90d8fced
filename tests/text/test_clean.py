"""clean(): title, paragraphs and page furniture, all as spans of the text as given."""

import pytest

from service.text import CleanedText, clean

BODY_ONE = "أعلنت وزارة الزراعة اليوم عن خطة لدعم صغار المزارعين في المحافظات الجنوبية بقروض ميسرة."
BODY_TWO = "وأوضح المتحدث باسم الوزارة أن الخطة تمتد ثلاث سنوات وتشمل نحو عشرين ألف أسرة ريفية."
BODY_THREE = "وقال مزارعون التقتهم الصحيفة إنهم ينتظرون التنفيذ الفعلي بعد وعود سابقة لم يتحقق منها الكثير."


def join(*lines: str) -> str:
    return "\n\n".join(lines)


def lines_of(spans: list) -> list[str]:
    return [span.text for span in spans]


def assert_partition(cleaned: CleanedText) -> None:
    """Spans index the source, and every non-space character is in exactly one of title/paragraphs/removed."""
    text = cleaned.source
    spans = [*([cleaned.title] if cleaned.title else []), *cleaned.paragraphs, *cleaned.removed]
    for span in spans:
        assert text[span.start : span.end] == span.text
        assert span.text == span.text.strip() and span.text
    owners = [0] * len(text)
    for span in spans:
        for position in range(span.start, span.end):
            owners[position] += 1
    for position, char in enumerate(text):
        if not char.isspace():
            assert owners[position] == 1, (position, char)
    starts = [span.start for span in cleaned.paragraphs]
    assert starts == sorted(starts)


def test_clean_finds_a_headline_title_and_the_paragraphs() -> None:
    text = join("الحكومة تطلق خطة لدعم المزارعين", BODY_ONE, BODY_TWO)
    cleaned = clean(text)
    assert cleaned.title is not None and cleaned.title.text == "الحكومة تطلق خطة لدعم المزارعين"
    assert lines_of(cleaned.paragraphs) == [BODY_ONE, BODY_TWO]
    assert cleaned.removed == []
    assert_partition(cleaned)


@pytest.mark.parametrize(
    "first_line",
    [BODY_ONE, "هذا سطر أول ينتهي بنقطة.", "هل تنجح الخطة؟", "وفي التفاصيل،"],
)
def test_clean_takes_no_title_from_a_first_line_that_reads_as_a_sentence(first_line: str) -> None:
    cleaned = clean(join(first_line, BODY_TWO))
    assert cleaned.title is None
    assert lines_of(cleaned.paragraphs) == [first_line, BODY_TWO]


def test_clean_takes_no_title_from_a_text_of_one_line() -> None:
    cleaned = clean("الحكومة تطلق خطة لدعم المزارعين")
    assert cleaned.title is None
    assert lines_of(cleaned.paragraphs) == ["الحكومة تطلق خطة لدعم المزارعين"]


@pytest.mark.parametrize(
    "credit",
    ["مصدر الصورة، رويترز", "صدر الصورة، EPA", "حقوق الصورة: وكالة الأنباء", "Getty Images", "AFP via Getty"],
)
def test_clean_removes_image_credit_lines(credit: str) -> None:
    cleaned = clean(join(BODY_ONE, credit, BODY_TWO))
    assert lines_of(cleaned.removed) == [credit]
    assert lines_of(cleaned.paragraphs) == [BODY_ONE, BODY_TWO]
    assert_partition(cleaned)


def test_clean_removes_a_caption_marker_and_the_caption_after_it() -> None:
    furniture = ["صدر الصورة، رويترز", "التعليق على الصورة،", "مزارع يحمل محصوله في سوق المدينة"]
    cleaned = clean(join(*furniture, BODY_ONE, BODY_TWO))
    assert lines_of(cleaned.removed) == furniture
    assert lines_of(cleaned.paragraphs) == [BODY_ONE, BODY_TWO]
    assert_partition(cleaned)


def test_clean_removes_a_caption_written_on_the_marker_line() -> None:
    cleaned = clean(join(BODY_ONE, "التعليق على الصورة، حقول القمح في الجنوب", BODY_TWO))
    assert lines_of(cleaned.removed) == ["التعليق على الصورة، حقول القمح في الجنوب"]


def test_clean_removes_a_promotion_block_from_skip_line_to_end_line() -> None:
    promo = "\n".join(
        ["تخطى الأكثر قراءة وواصل القراءة", "الأكثر قراءة", "", "قصة أولى يقرؤها الناس", "", "قصة ثانية", ""]
    )
    promo += "\nالأكثر قراءة نهاية"
    cleaned = clean(join(BODY_ONE, promo, BODY_TWO))
    assert lines_of(cleaned.removed) == [
        "تخطى الأكثر قراءة وواصل القراءة",
        "الأكثر قراءة",
        "قصة أولى يقرؤها الناس",
        "قصة ثانية",
        "الأكثر قراءة نهاية",
    ]
    assert lines_of(cleaned.paragraphs) == [BODY_ONE, BODY_TWO]
    assert_partition(cleaned)


def test_clean_removes_only_the_skip_line_of_a_promotion_that_never_closes() -> None:
    cleaned = clean(join(BODY_ONE, "تخطى الفيديو وواصل القراءة", BODY_TWO, BODY_THREE))
    assert lines_of(cleaned.removed) == ["تخطى الفيديو وواصل القراءة"]
    assert lines_of(cleaned.paragraphs) == [BODY_ONE, BODY_TWO, BODY_THREE]


@pytest.mark.parametrize("word", ["البرلمان", "ف-16", "***"])
def test_clean_removes_a_one_word_line_standing_alone(word: str) -> None:
    cleaned = clean(join(BODY_ONE, word, BODY_TWO))
    assert lines_of(cleaned.removed) == [word]
    assert_partition(cleaned)


def test_clean_keeps_a_one_word_line_inside_a_paragraph() -> None:
    cleaned = clean(join(BODY_ONE, "المزارعون\n" + BODY_TWO))
    assert cleaned.removed == []
    assert lines_of(cleaned.paragraphs) == [BODY_ONE, "المزارعون\n" + BODY_TWO]


def test_clean_removes_a_related_headline_between_paragraphs() -> None:
    cleaned = clean(join(BODY_ONE, "ارتفاع أسعار القمح في الأسواق العالمية", BODY_TWO, BODY_THREE))
    assert lines_of(cleaned.removed) == ["ارتفاع أسعار القمح في الأسواق العالمية"]
    assert lines_of(cleaned.paragraphs) == [BODY_ONE, BODY_TWO, BODY_THREE]
    assert_partition(cleaned)


@pytest.mark.parametrize(
    "link",
    ["اقرأ أيضا: الحكومة تعلن موازنة العام المقبل.", "للمزيد: تقرير عن الجفاف", "قد يهمك.. أسعار الذهب"],
)
def test_clean_removes_read_more_links(link: str) -> None:
    cleaned = clean(join(BODY_ONE, link, BODY_TWO))
    assert lines_of(cleaned.removed) == [link]


def test_clean_keeps_a_long_line_without_final_punctuation() -> None:
    long_line = "وأشار التقرير إلى أن الأراضي المزروعة تراجعت بشكل ملحوظ خلال العقد الأخير بسبب شح المياه"
    cleaned = clean(join(BODY_ONE, long_line, BODY_TWO))
    assert cleaned.removed == []
    assert lines_of(cleaned.paragraphs) == [BODY_ONE, long_line, BODY_TWO]


def test_clean_keeps_a_short_line_that_is_not_between_prose_paragraphs() -> None:
    cleaned = clean(join(BODY_ONE, BODY_TWO, "خطة طموحة لكن التمويل غائب"))
    assert cleaned.removed == []


def test_clean_treats_each_line_as_a_paragraph_when_there_are_no_blank_lines() -> None:
    text = "\n".join(["خطة حكومية لدعم الزراعة", BODY_ONE, BODY_TWO, BODY_THREE])
    cleaned = clean(text)
    assert cleaned.title is not None and cleaned.title.text == "خطة حكومية لدعم الزراعة"
    assert lines_of(cleaned.paragraphs) == [BODY_ONE, BODY_TWO, BODY_THREE]
    assert_partition(cleaned)


def test_clean_keeps_lines_of_a_paragraph_together() -> None:
    text = join(BODY_ONE, BODY_TWO + "\n" + BODY_THREE)
    cleaned = clean(text)
    assert lines_of(cleaned.paragraphs) == [BODY_ONE, BODY_TWO + "\n" + BODY_THREE]


def test_clean_keeps_everything_when_the_input_is_all_furniture() -> None:
    text = join("مصدر الصورة، رويترز", "Getty Images", "التعليق على الصورة،")
    cleaned = clean(text)
    assert cleaned.removed == []
    assert cleaned.paragraphs
    assert_partition(cleaned)


@pytest.mark.parametrize("text", ["", "   ", "\n\n \t\n"])
def test_clean_of_blank_input_gives_no_title_and_no_paragraphs(text: str) -> None:
    cleaned = clean(text)
    assert cleaned == CleanedText(source=text, title=None, paragraphs=[], removed=[])


def test_clean_offsets_index_the_text_as_given_with_crlf_and_indentation() -> None:
    lines = ["  عنوان الخبر  ", "", "\t" + BODY_ONE, "", "مصدر الصورة، رويترز", "", BODY_TWO + "  "]
    text = "\r\n".join(lines)
    cleaned = clean(text)
    assert cleaned.title is not None and cleaned.title.text == "عنوان الخبر"
    assert lines_of(cleaned.paragraphs) == [BODY_ONE, BODY_TWO]
    assert lines_of(cleaned.removed) == ["مصدر الصورة، رويترز"]
    assert_partition(cleaned)


def test_clean_takes_no_title_from_a_lone_word() -> None:
    cleaned = clean(join("ف-16", BODY_ONE, BODY_TWO))
    assert cleaned.title is None
    assert lines_of(cleaned.removed) == ["ف-16"]
