"""Recognisers of page furniture and of the shapes of headlines, subheadings and ledes, one line at a time."""

import pytest

from service.text import furniture, normalize


@pytest.mark.parametrize(
    "line",
    [
        "اقرأ.. الحكومة تعلن موازنة العام المقبل",
        "اقرأ أيضا: ارتفاع أسعار الأسمدة",
        "اقر أيضا: ارتفاع أسعار الأسمدة",
        "إقرأ أيضاً: خطة لتحديث شبكات الري",
        "للمزيد: تقرير عن الجفاف",
        "لمزيد من التفاصيل: تقرير عن الجفاف",
        "شاهد: جولة في سوق الخضار",
        "* طالع أيضا: موسم الحصاد",
        "لقراءة التقرير كاملا اضغط على الرابط التالي:",
        "للاطلاع على صور المعرض انقر هنا",
        "فيديو: افتتاح موسم الحصاد في الجنوب",
    ],
)
def test_read_more_variants_are_related_links(line: str) -> None:
    assert furniture.is_related_link(normalize(line))


@pytest.mark.parametrize(
    "line",
    [
        "أقر أيضا رئيس الوزراء بأن الخطة تأخرت عن موعدها بسبب نقص التمويل",
        "لمزيد من الشفافية، قررت الوزارة نشر أسماء المستفيدين",
        "شاهد عيان قال إن الحريق اندلع في الطابق الثالث",
        "ضغط الرئيس على الحكومة لتسريع الإصلاحات في البلاد",
    ],
)
def test_sentences_that_open_like_a_link_are_not_links(line: str) -> None:
    assert not furniture.is_related_link(normalize(line))


@pytest.mark.parametrize(
    "line",
    [
        "يمكنكم استلام إشعارات بأهم الأخبار بعد تحميل تطبيق الموقع على هواتفكم المحمولة.",
        "حملوا تطبيقنا لتصلكم آخر المستجدات",
        "تابعونا على حساباتنا في مواقع التواصل الاجتماعي",
    ],
)
def test_notices_to_readers_about_the_app_are_app_notices(line: str) -> None:
    assert furniture.is_app_notice(normalize(line))


@pytest.mark.parametrize(
    "line",
    [
        "يمكنك تحميل التطبيق من متجر الهاتف مجانا ثم إنشاء حساب باسمك.",
        "أطلقت الوزارة تطبيقا لتلقي شكاوى المواطنين وإشعارهم بمواعيد صرف المساعدات.",
    ],
)
def test_article_sentences_about_apps_are_not_app_notices(line: str) -> None:
    assert not furniture.is_app_notice(normalize(line))


@pytest.mark.parametrize("line", ["* نقلا عن صحيفة الأخبار", "المصدر: وكالة الأنباء", "بقلم: سامي العلي"])
def test_credits_are_source_credits(line: str) -> None:
    assert furniture.is_source_credit(normalize(line))


@pytest.mark.parametrize(
    "line",
    [
        "** جميع المقالات المنشورة تمثل رأي كتابها فقط.",
        "الآراء الواردة لا تعبر بالضرورة عن رأي الموقع",
        "نشر هذا المقال بالتعاون مع موقع للوظائف",
        "هذا المقال بقلم سامي العلي، والآراء الواردة أدناه تعبر عن رأي الكاتب، ولا تعكس بالضرورة وجهة نظر الموقع.",
        "الآراء الواردة في المقال لا تعكس بالضرورة وجهة نظر القناة",
    ],
)
def test_opinion_disclaimers_are_disclaimers(line: str) -> None:
    assert furniture.is_disclaimer(normalize(line))


def test_a_sentence_about_what_figures_reflect_is_not_a_disclaimer() -> None:
    line = "قال الوزير إن هذه الأرقام لا تعكس بالضرورة رأي الحكومة في الخطة"
    assert not furniture.is_disclaimer(normalize(line))


@pytest.mark.parametrize(
    ("line", "expected"), [("حول شركة الواحة:", True), ("About Oasis Foods:", True), ("حول الخطة", False)]
)
def test_about_headers_end_with_a_colon(line: str, expected: bool) -> None:
    assert furniture.is_about_header(normalize(line)) is expected


@pytest.mark.parametrize(
    ("line", "expected"),
    [("----------", True), ("ــــــــ", True), ("* * *", True), ("ب-2", False), ("2019", False), ("--", False)],
)
def test_separators_are_lines_of_marks(line: str, expected: bool) -> None:
    assert furniture.is_separator(normalize(line)) is expected


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("قروض للأسر الريفية", True),
        ("الرد الحكومي", True),
        ("دوما", True),
        ('"لا تراجع عن الخطة"', True),
        ("ما الذي تتضمنه الخطة؟", True),
        ('وأضاف "هل يعقل هذا؟"', False),
        ("وأعلنت الوزارة خطة جديدة.", False),
        ("وفي التفاصيل،", False),
        ("-----", False),
        ("أعلنت وزارة الزراعة اليوم عن خطة لدعم صغار المزارعين في المحافظات الجنوبية بقروض ميسرة", False),
    ],
)
def test_reads_as_subheading(line: str, expected: bool) -> None:
    assert furniture.reads_as_subheading(line) is expected


LEDE = "أعلنت وزارة الصحة، الأحد، عن حملة وطنية لتطعيم الأطفال ضد الحصبة في جميع المحافظات خلال الشهر المقبل."


@pytest.mark.parametrize(
    ("paragraph", "expected"),
    [
        (LEDE, True),
        (LEDE[:-1] + " وتستمر الحملة أسبوعين", True),  # cut off before its final stop
        ("و" + LEDE, False),  # attaches to the paragraph before
        ("من جهة أخرى، " + LEDE, False),  # announces another story of this article
        ("القاهرة (رويترز) - " + LEDE, False),  # a dateline opens a story of this article
        (LEDE + " وتستمر الحملة أسبوعين.", False),  # two finished sentences
        ("حملة وطنية لتطعيم الأطفال ضد الحصبة في جميع المحافظات", False),  # a headline
    ],
)
def test_reads_as_lede(paragraph: str, expected: bool) -> None:
    assert furniture.reads_as_lede(paragraph) is expected
