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
    [
        "مصدر الصورة، رويترز",
        "صدر الصورة، EPA",
        "حقوق الصورة: وكالة الأنباء",
        "Getty Images",
        "AFP via Getty",
        "الموقع الإخباري/ أ ف ب",
    ],
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


def test_clean_keeps_a_lone_headline_between_paragraphs_as_a_subheading() -> None:
    subheading = "قروض للأسر الريفية"
    cleaned = clean(join(BODY_ONE, BODY_TWO, subheading, BODY_THREE))
    assert cleaned.removed == []
    assert lines_of(cleaned.paragraphs) == [BODY_ONE, BODY_TWO, subheading, BODY_THREE]
    assert lines_of(cleaned.headings) == [subheading]
    assert cleaned.headings[0] in cleaned.paragraphs
    assert_partition(cleaned)


def test_clean_removes_a_run_of_related_headlines_between_paragraphs() -> None:
    related = ["ارتفاع أسعار القمح في الأسواق العالمية", "مزارعو الشمال يطالبون بتعويضات عن الجفاف"]
    cleaned = clean(join(BODY_ONE, *related, BODY_TWO, BODY_THREE))
    assert lines_of(cleaned.removed) == related
    assert lines_of(cleaned.paragraphs) == [BODY_ONE, BODY_TWO, BODY_THREE]
    assert cleaned.headings == []
    assert_partition(cleaned)


def test_clean_keeps_a_question_that_closes_a_run_of_headlines_as_a_subheading() -> None:
    related = ["ارتفاع أسعار القمح في الأسواق العالمية", "مزارعو الشمال يطالبون بتعويضات عن الجفاف"]
    question = "ما الذي تتضمنه الخطة؟"
    cleaned = clean(join(BODY_ONE, *related, question, BODY_TWO))
    assert lines_of(cleaned.removed) == related
    assert lines_of(cleaned.headings) == [question]
    assert_partition(cleaned)


def test_clean_removes_a_link_prompt_with_the_headline_it_points_to_and_keeps_the_subheading_after() -> None:
    prompt, linked = "لقراءة التقرير كاملا اضغط على العنوان التالي:", "ارتفاع أسعار القمح في الأسواق العالمية"
    subheading = "القروض الميسرة"
    closing = "وتصل القروض الميسرة إلى خمسة آلاف دينار لكل أسرة بفائدة رمزية تسدد على عشر سنوات."
    cleaned = clean(join(BODY_ONE, BODY_TWO, prompt, linked, subheading, closing))
    assert lines_of(cleaned.removed) == [prompt, linked]
    assert lines_of(cleaned.headings) == [subheading]
    assert_partition(cleaned)


def test_clean_keeps_a_one_word_subheading_that_the_next_paragraph_repeats() -> None:
    cleaned = clean(join(BODY_ONE, "القروض", "وتصل القروض الميسرة إلى خمسة آلاف دينار لكل أسرة بفائدة رمزية."))
    assert cleaned.removed == []
    assert lines_of(cleaned.headings) == ["القروض"]


@pytest.mark.parametrize(
    "link",
    [
        "اقرأ أيضا: الحكومة تعلن موازنة العام المقبل.",
        "للمزيد: تقرير عن الجفاف",
        "قد يهمك.. أسعار الذهب",
        "اقرأ.. الحكومة تعلن موازنة العام المقبل",
        "اقر أيضا: ارتفاع أسعار الأسمدة",
        "إقرأ أيضاً: خطة لتحديث شبكات الري",
        "شاهد: جولة في سوق الخضار",
    ],
)
def test_clean_removes_read_more_links(link: str) -> None:
    cleaned = clean(join(BODY_ONE, link, BODY_TWO))
    assert lines_of(cleaned.removed) == [link]
    assert_partition(cleaned)


@pytest.mark.parametrize(
    "notice",
    [
        "يمكنكم تلقي تنبيهات بأبرز الأخبار بعد تنزيل أحدث نسخة من تطبيق الموقع على هواتفكم.",
        "حملوا تطبيقنا لتصلكم آخر المستجدات أولا بأول",
        "تابعونا على حساباتنا في مواقع التواصل الاجتماعي",
        "* نقلا عن صحيفة الأخبار",
        "بقلم: سامي العلي",
        "** جميع الآراء المنشورة تعبر عن رأي كاتبها فقط.",
        "هذا المقال منشور بالتعاون مع موقع للوظائف",
    ],
)
def test_clean_removes_app_notices_credits_and_disclaimers(notice: str) -> None:
    cleaned = clean(join(BODY_ONE, BODY_TWO, notice))
    assert lines_of(cleaned.removed) == [notice]
    assert lines_of(cleaned.paragraphs) == [BODY_ONE, BODY_TWO]
    assert_partition(cleaned)


@pytest.mark.parametrize("separator", ["----------", "__________", "* * *", "ــــــــــ", "= = = ="])
def test_clean_removes_separator_lines_also_inside_a_paragraph(separator: str) -> None:
    cleaned = clean(join(BODY_ONE, separator, BODY_TWO + "\n" + separator + "\n" + BODY_THREE))
    assert lines_of(cleaned.removed) == [separator, separator]
    assert lines_of(cleaned.paragraphs) == [BODY_ONE, BODY_TWO, BODY_THREE]
    assert_partition(cleaned)


def test_clean_removes_a_company_footer_at_the_end() -> None:
    footer = ["حول شركة الواحة:", "شركة الواحة من أكبر شركات الأغذية في المنطقة وتوظف أكثر من ألفي موظف"]
    cleaned = clean(join(BODY_ONE, BODY_TWO, *footer))
    assert lines_of(cleaned.removed) == footer
    assert_partition(cleaned)


def test_clean_keeps_an_about_line_with_the_article_going_on_after_it() -> None:
    cleaned = clean(join(BODY_ONE, "عن الخطة:", BODY_TWO, BODY_THREE, BODY_ONE))
    assert cleaned.removed == []


def test_clean_keeps_about_lines_that_label_the_answers_of_an_interview() -> None:
    # The paragraph after a company footer's heading opens with the company; an answer need not open with its topic.
    answers = ["حول القروض:", BODY_TWO, "حول التنفيذ:", BODY_THREE]
    cleaned = clean(join(BODY_ONE, *answers))
    assert cleaned.removed == []


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
    assert cleaned == CleanedText(source=text, title=None, paragraphs=[], removed=[], headings=[])


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


# Ledes of other stories, as a page lists them after the article: one sentence each, opening on its own; the
# third is cut off without its final stop.
TEASERS = [
    "أعلنت وزارة الصحة، الأحد، عن حملة وطنية لتطعيم الأطفال ضد الحصبة في جميع المحافظات خلال الشهر المقبل.",
    "فاز المنتخب الوطني لكرة اليد على نظيره المصري في نهائي البطولة العربية التي أقيمت في العاصمة مساء السبت.",
    "قال البنك المركزي، الاثنين، إن معدل التضخم تراجع إلى أدنى مستوى له منذ ثلاث سنوات بفضل استقرار أسعار",
    "افتتح متحف الفنون الحديثة معرضا جديدا يضم أعمال خمسين فنانا من الشباب في دورته السنوية الأولى.",
]
# An article's own closing paragraphs: one sentence each too, but attached with و.
CLOSING = [
    "وأشار المتحدث إلى أن الوزارة ستنشر قائمة المستفيدين على موقعها الإلكتروني قبل نهاية الشهر الجاري.",
    "ويعمل في القطاع الزراعي نحو ربع السكان النشطين، وفق آخر الأرقام الرسمية التي نشرها مكتب الإحصاء.",
    "وكانت موجة جفاف ضربت المنطقة العام الماضي وأتلفت جزءا كبيرا من محصول الحبوب في المحافظات الجنوبية.",
]


def test_clean_removes_a_trailing_block_of_other_stories_ledes() -> None:
    cleaned = clean(join(BODY_ONE, BODY_TWO, BODY_THREE, *TEASERS))
    assert lines_of(cleaned.removed) == TEASERS
    assert lines_of(cleaned.paragraphs) == [BODY_ONE, BODY_TWO, BODY_THREE]
    assert_partition(cleaned)


# An outlet's teasers carry its own wire dateline, which elsewhere opens a story of the article itself.
DATED_TEASER = (
    "دبي، الإمارات العربية المتحدة (CNN)-- أعلنت شركة طيران إقليمية عن عقد لشراء عشرين طائرة ركاب جديدة "
    "خلال السنوات الخمس المقبلة."
)


def test_clean_removes_a_teaser_block_with_a_dated_lede_among_its_ledes() -> None:
    teasers = [TEASERS[0], TEASERS[1], DATED_TEASER, TEASERS[3]]
    cleaned = clean(join(BODY_ONE, BODY_TWO, BODY_THREE, *teasers))
    assert lines_of(cleaned.removed) == teasers
    assert lines_of(cleaned.paragraphs) == [BODY_ONE, BODY_TWO, BODY_THREE]


def test_clean_keeps_a_dated_lede_that_only_two_others_follow() -> None:
    # Dated ledes join a run but do not make one: a roundup's last story may open with a dateline.
    cleaned = clean(join(BODY_ONE, BODY_TWO, BODY_THREE, DATED_TEASER, TEASERS[0], TEASERS[1]))
    assert cleaned.removed == []


def test_clean_keeps_a_long_list_of_one_sentence_paragraphs() -> None:
    # More ledes in a row than any page shows as teasers: a list of briefs, part of the article.
    cleaned = clean(join(BODY_ONE, BODY_TWO, *(TEASERS * 3)))
    assert cleaned.removed == []


def test_clean_removes_a_teaser_block_with_the_headline_above_it_and_the_notice_below_it() -> None:
    headline, notice = "حفل تكريم المزارعين المتميزين", "تابعونا على حساباتنا في مواقع التواصل الاجتماعي"
    cleaned = clean(join(BODY_ONE, BODY_TWO, headline, *TEASERS[:3], notice))
    assert lines_of(cleaned.removed) == [headline, *TEASERS[:3], notice]
    assert_partition(cleaned)


def test_clean_keeps_closing_paragraphs_that_attach_with_waw() -> None:
    cleaned = clean(join(BODY_ONE, BODY_TWO, *CLOSING))
    assert cleaned.removed == []
    assert lines_of(cleaned.paragraphs) == [BODY_ONE, BODY_TWO, *CLOSING]


# An article about a person whose closing paragraphs are one sentence each and open without و, as a profile's
# often do, but go on naming the article's people and places; and ledes of related stories, which name them too
# but date their own news by weekday, as a page's teasers do.
PROFILE = [
    "ولد الرحالة ابن بطوطة في طنجة سنة 1304 وغادرها شابا في رحلة إلى مكة استمرت قرابة ثلاثين عاما.",
    "وكان ابن بطوطة قد زار خلال رحلته مصر والشام والعراق وفارس قبل أن يبلغ الهند والصين ويعود إلى بلاده.",
]
PROFILE_CLOSING = [
    "عمل ابن بطوطة قاضيا في دلهي سنوات عدة في بلاط السلطان محمد بن تغلق قبل أن يرسله سفيرا إلى الصين.",
    "بعد عودته إلى فاس أملى الرحالة أخبار رحلته على الكاتب ابن جزي بأمر من السلطان أبي عنان المريني.",
    "تعد الرحلة التي دونها ابن جزي من أوسع ما كتب في أدب الرحلات العربي وقد ترجمت إلى لغات كثيرة.",
]
RELATED_TEASERS = [
    "افتتحت بلدية طنجة، الأحد، متحفا جديدا يحمل اسم ابن بطوطة في المدينة القديمة بحضور عدد من الباحثين.",
    "أعلنت جامعة فاس، الاثنين، عن جائزة سنوية باسم ابن بطوطة لأفضل كتاب في أدب الرحلات يصدر هذا العام.",
    "قال مهرجان الرحلة، الثلاثاء، إن دورته المقبلة ستخصص لمسار ابن بطوطة من طنجة إلى الصين عبر الهند.",
]


def test_clean_keeps_closing_ledes_that_go_on_naming_the_article() -> None:
    cleaned = clean(join(*PROFILE, *PROFILE_CLOSING))
    assert cleaned.removed == []
    assert lines_of(cleaned.paragraphs) == [*PROFILE, *PROFILE_CLOSING]


def test_clean_removes_teasers_of_related_stories_dated_by_weekday() -> None:
    cleaned = clean(join(*PROFILE, *RELATED_TEASERS))
    assert lines_of(cleaned.removed) == RELATED_TEASERS
    assert lines_of(cleaned.paragraphs) == PROFILE
    assert_partition(cleaned)


def test_clean_keeps_two_ledes_at_the_end_of_an_article() -> None:
    cleaned = clean(join(BODY_ONE, BODY_TWO, *TEASERS[:2]))
    assert cleaned.removed == []


def test_clean_keeps_ledes_when_no_paragraph_of_the_text_attaches_to_another() -> None:
    # A press review or a list of briefs opens every paragraph afresh: there is no article to set them against.
    cleaned = clean(join(BODY_ONE, *TEASERS))
    assert cleaned.removed == []


def test_clean_keeps_ledes_separated_by_subheadings() -> None:
    subheadings = ["أخبار الصحة", "أخبار الرياضة", "أخبار الاقتصاد"]
    ledes = [TEASERS[0], TEASERS[1], TEASERS[3]]
    text = join(BODY_ONE, BODY_TWO, *[line for pair in zip(subheadings, ledes, strict=True) for line in pair])
    cleaned = clean(text)
    assert cleaned.removed == []
    assert lines_of(cleaned.headings) == subheadings
    assert_partition(cleaned)


@pytest.mark.parametrize("line", [TEASERS[0], "اقرأ أيضا: الحكومة تعلن موازنة العام المقبل", "-----"])
def test_clean_never_empties_a_one_line_article(line: str) -> None:
    cleaned = clean(line)
    assert lines_of(cleaned.paragraphs) == [line]
    assert cleaned.removed == []
