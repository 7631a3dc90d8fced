"""split_sentences(): sentence spans over the original text."""

import pytest

from service.text import Span, split_sentences


def texts(spans: list[Span]) -> list[str]:
    return [span.text for span in spans]


def assert_lossless(text: str, spans: list[Span], start: int = 0, end: int | None = None) -> None:
    """Spans index the text, are trimmed and ordered, and hold every non-space character of the range once."""
    for span in spans:
        assert text[span.start : span.end] == span.text
        assert span.text and span.text == span.text.strip()
    assert all(left.end <= right.start for left, right in zip(spans, spans[1:], strict=False))
    covered = "".join(span.text for span in spans)
    assert "".join(covered.split()) == "".join(text[start:end].split())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("وصل الوفد. وبدأت المحادثات.", ["وصل الوفد.", "وبدأت المحادثات."]),
        ("هل انتهت الأزمة؟ لا أحد يعرف.", ["هل انتهت الأزمة؟", "لا أحد يعرف."]),
        ("يا للهول! ماذا حدث؟! لا شيء.", ["يا للهول!", "ماذا حدث؟!", "لا شيء."]),
        ("سطر بلا نقطة\nسطر ثان بلا نقطة", ["سطر بلا نقطة", "سطر ثان بلا نقطة"]),
        ('قال "انتهى الأمر." ثم غادر.', ['قال "انتهى الأمر."', "ثم غادر."]),
        ("وقال: «لن نتراجع.» وصفق الحضور.", ["وقال: «لن نتراجع.»", "وصفق الحضور."]),
        ("انتهت الجولة (كما كان متوقعا.) وبدأت أخرى.", ["انتهت الجولة (كما كان متوقعا.)", "وبدأت أخرى."]),
    ],
)
def test_split_ends_sentences_at_terminators_and_line_breaks(text: str, expected: list[str]) -> None:
    spans = split_sentences(text)
    assert texts(spans) == expected
    assert_lossless(text, spans)


@pytest.mark.parametrize(
    "text",
    [
        "ارتفع المؤشر 7.5 نقطة في جلسة اليوم.",
        "بلغ النمو 2,5 بالمئة خلال الربع الأول.",
        "سجلت الحرارة ٣٫٥ درجات فوق المعدل.",
        "بلغ السعر ٣.٥ دينار للكيلو.",
    ],
)
def test_split_keeps_decimals_together(text: str) -> None:
    assert texts(split_sentences(text)) == [text]


@pytest.mark.parametrize(
    "text",
    [
        "وصل الوزير، ثم عقد مؤتمرا صحفيا، وأجاب عن الأسئلة.",
        "اجتمع المجلس؛ وناقش الموازنة؛ وأقرها بالأغلبية.",
        "The minister arrived, met the press; then left: quickly.",
        "حضر كل من: الوزير والسفير والمحافظ.",
    ],
)
def test_split_does_not_break_on_commas_semicolons_or_colons(text: str) -> None:
    assert texts(split_sentences(text)) == [text]


@pytest.mark.parametrize(
    "text",
    [
        "التقى د. سامي العبيدي بالوفد في العاصمة.",
        "قدم م. خالد عرضا عن المشروع الجديد.",
        "ورد ذلك في ص. 14 من التقرير السنوي.",
        "بنيت المدينة نحو عام 300 ق.م. وازدهرت بعد ذلك.",
        "وصرح Dr. Smith بأن النتائج مشجعة.",
        "أشار J. K. Rowling إلى روايتها الأولى.",
        "زار المسؤول U.S. Embassy في المدينة.",
        "ناقش التقرير أمورا عدة (e.g. the budget) بالتفصيل.",
    ],
)
def test_split_does_not_break_after_abbreviations(text: str) -> None:
    assert texts(split_sentences(text)) == [text]


def test_split_keeps_an_ellipsis_that_continues_in_lowercase() -> None:
    text = "He paused... and then he spoke again."
    assert texts(split_sentences(text)) == [text]


def test_split_ends_at_an_ellipsis_before_a_new_arabic_sentence() -> None:
    assert texts(split_sentences("وانتظر الجميع... ثم جاء الخبر.")) == ["وانتظر الجميع...", "ثم جاء الخبر."]


def test_split_keeps_a_numbered_list_marker_with_its_item() -> None:
    assert texts(split_sentences("1. خفض الضرائب على الشركات\n2. رفع الأجور")) == [
        "1. خفض الضرائب على الشركات",
        "2. رفع الأجور",
    ]


def test_split_of_a_range_uses_absolute_offsets() -> None:
    text = "عنوان الخبر\n\nوصل الوفد. وبدأت المحادثات.\n\nخاتمة."
    start = text.index("وصل")
    end = text.index("\n\nخاتمة")
    spans = split_sentences(text, start, end)
    assert texts(spans) == ["وصل الوفد.", "وبدأت المحادثات."]
    assert spans[0].start == start
    assert_lossless(text, spans, start, end)


@pytest.mark.parametrize("text", ["", "   ", "\n\n\t\n"])
def test_split_of_blank_text_gives_no_sentences(text: str) -> None:
    assert split_sentences(text) == []


def test_split_loses_nothing_in_messy_text() -> None:
    text = "\r\n".join(
        [
            "  ... بداية غريبة!!",
            "",
            'قال المتحدث: "لا تعليق". ثم أضاف؟ نعم',
            "الرقم ١٢٫٥ مليون. (انتهى.)  ",
            "؟؟ ",
            "«نهاية»",
        ]
    )
    assert_lossless(text, split_sentences(text))
