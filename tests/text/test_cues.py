"""cues: how a paragraph opens (new story, wire dateline, continuation)."""

import pytest

from service.text import normalize
from service.text.cues import dateline_length, opens_as_continuation, opens_new_topic


@pytest.mark.parametrize(
    ("paragraph", "dateline"),
    [
        ("القاهرة (رويترز) - أعلنت الحكومة خطة جديدة للنقل.", "القاهرة (رويترز) -"),
        ("دبي، الإمارات العربية المتحدة (CNN)-- قال مسؤول إن الرحلات عادت.", "دبي، الإمارات العربية المتحدة (CNN)-"),
        ("الرباط - افتتح المعرض أبوابه صباح اليوم.", "الرباط - "),
    ],
)
def test_dateline_length_covers_the_place_and_source(paragraph: str, dateline: str) -> None:
    assert paragraph[: dateline_length(paragraph)] == dateline


@pytest.mark.parametrize(
    "paragraph",
    [
        "1- افتح الإعدادات ثم اختر الحساب الذي تريد حذفه.",
        "12 - يجب تحديث التطبيق قبل نهاية الشهر.",
        "أعلنت الحكومة خطة جديدة للنقل العام في العاصمة.",
        "قال الوزير (في مؤتمر صحفي) إن الخطة جاهزة.",
    ],
)
def test_numbered_items_and_plain_sentences_have_no_dateline(paragraph: str) -> None:
    assert dateline_length(paragraph) == 0


@pytest.mark.parametrize(
    "paragraph",
    [
        "وأضاف الوزير أن الخطة ستنفذ على مراحل.",
        "كما دعت الوزارة المواطنين إلى الحذر.",
        "جاء ذلك خلال مؤتمر صحفي عقده الوزير في العاصمة.",
        "يأتي ذلك بعد أسبوع من إعلان الخطة.",
        "تأتي هذه الخطوة في إطار خطة أوسع.",
        "«لن نتراجع» قال الوزير.",
    ],
)
def test_linking_openers_continue_the_story(paragraph: str) -> None:
    assert opens_as_continuation(normalize(paragraph))


@pytest.mark.parametrize(
    "paragraph",
    [
        "وزير الخارجية يصل إلى العاصمة في زيارة رسمية.",
        "جاءت النتائج أفضل من المتوقع هذا العام.",
        "أعلنت الحكومة خطة جديدة للنقل العام.",
    ],
)
def test_fresh_openers_do_not_continue_the_story(paragraph: str) -> None:
    assert not opens_as_continuation(normalize(paragraph))


@pytest.mark.parametrize("paragraph", ["من جهة أخرى، أعلنت الوزارة خطة جديدة.", "وفي سياق آخر، افتتح الوزير معرضا."])
def test_new_topic_phrases_open_a_new_story_and_do_not_continue_one(paragraph: str) -> None:
    normalized = normalize(paragraph)
    assert opens_new_topic(normalized)
    assert not opens_as_continuation(normalized)
