"""segment(): topical sections over the cleaned paragraphs."""

import pytest

from service.text import SectionSpan, clean, normalize, segment
from service.text.boundary import boundary_model
from service.text.evidence import Paragraph, boundary_features
from service.text.lexicon import content_words, is_stopword
from service.text.segment import DATELINE_BONUS, MAX_SCORED_UNITS, opening_bonuses

MATCH_STORY = [
    "فاز فريق النجم الساحلي على الترجي بهدفين مقابل هدف في مباراة قمة الدوري التونسي لكرة القدم مساء السبت.",
    "وسجل مهاجم النجم هدفي فريقه في الشوط الأول، فيما قلص الترجي الفارق من ركلة جزاء قبل نهاية المباراة.",
    "وبهذا الفوز يتصدر النجم الساحلي ترتيب الدوري بفارق ثلاث نقاط عن الترجي قبل خمس جولات من نهاية الموسم.",
]
STORM_STORY = [
    "من جهة أخرى، ضربت عاصفة رملية قوية ولايات الجنوب التونسي وتسببت في إغلاق الطرق وتعليق الرحلات الجوية.",
    "وحذرت مصالح الأرصاد الجوية من استمرار العاصفة والرياح الشديدة حتى مساء الاثنين في ولايات الجنوب.",
    "ودعت السلطات سكان الجنوب إلى تجنب التنقل إلا للضرورة حتى تهدأ العاصفة وتتحسن الرؤية على الطرق.",
]
WATER_STORY = [
    "أعلنت شركة المياه في العاصمة عن انقطاع المياه عن عدة أحياء لمدة يومين بسبب أشغال صيانة في الشبكة.",
    "وأوضحت الشركة أن فرق الصيانة ستعمل على استبدال الأنابيب القديمة في الشبكة لتقليل تسرب المياه.",
    "ودعت شركة المياه سكان الأحياء المعنية إلى تخزين المياه قبل موعد الانقطاع وترشيد الاستهلاك.",
    "وأكدت الشركة أن صهاريج المياه ستجوب الأحياء المتضررة طوال مدة الصيانة لتوزيع مياه الشرب.",
    "وتشكو أحياء العاصمة منذ سنوات من ضعف ضغط المياه في الشبكة خلال فصل الصيف.",
]


def article(*paragraphs: str) -> str:
    return "\n\n".join(paragraphs)


def assert_sections_cover(text: str, sections: list[SectionSpan]) -> None:
    cleaned = clean(text)
    assert [paragraph for section in sections for paragraph in section.paragraphs] == cleaned.paragraphs
    for section in sections:
        assert section.paragraphs
        assert section.start == section.paragraphs[0].start
        assert section.end == section.paragraphs[-1].end
        assert section.text == text[section.start : section.end]


def test_segment_splits_two_stories_at_a_cue_phrase() -> None:
    text = article(*MATCH_STORY, *STORM_STORY)
    sections = segment(clean(text))
    assert [section.paragraphs[0].text for section in sections] == [MATCH_STORY[0], STORM_STORY[0]]
    assert_sections_cover(text, sections)


def test_segment_gives_one_section_for_one_story() -> None:
    text = article(*WATER_STORY)
    sections = segment(clean(text))
    assert len(sections) == 1
    assert_sections_cover(text, sections)


def test_segment_finds_three_stories_without_cue_phrases() -> None:
    # Each story opens as a story's first paragraph does, on its own, with no "on another note" before it.
    storm_lead = STORM_STORY[0].removeprefix("من جهة أخرى، ")
    text = article(*WATER_STORY[:3], *MATCH_STORY, storm_lead, *STORM_STORY[1:])
    sections = segment(clean(text))
    assert [len(section.paragraphs) for section in sections] == [3, 3, 3]


@pytest.mark.parametrize("max_sections", [1, 2, 3])
def test_segment_never_returns_more_than_max_sections(max_sections: int) -> None:
    text = article(*WATER_STORY[:3], *MATCH_STORY, *STORM_STORY)
    sections = segment(clean(text), max_sections=max_sections)
    assert 1 <= len(sections) <= max_sections
    assert_sections_cover(text, sections)


def test_segment_with_a_generous_limit_matches_the_automatic_split() -> None:
    cleaned = clean(article(*WATER_STORY[:3], *MATCH_STORY, *STORM_STORY))
    assert segment(cleaned, max_sections=10) == segment(cleaned)


def test_segment_keeps_the_strongest_boundary_when_limited() -> None:
    text = article(*MATCH_STORY, *STORM_STORY, *WATER_STORY[:3])
    sections = segment(clean(text), max_sections=2)
    assert len(sections) == 2
    assert sections[1].paragraphs[0].text in (STORM_STORY[0], WATER_STORY[0])


def test_segment_section_text_includes_furniture_between_its_paragraphs() -> None:
    text = article(MATCH_STORY[0], "مصدر الصورة، رويترز", *MATCH_STORY[1:])
    sections = segment(clean(text))
    assert len(sections) == 1
    assert "مصدر الصورة" in sections[0].text
    assert all("مصدر الصورة" not in paragraph.text for paragraph in sections[0].paragraphs)


def test_segment_opens_a_section_with_the_subheading_that_introduces_it() -> None:
    subheading = "عاصفة رملية في الجنوب"
    text = article(*MATCH_STORY, subheading, *STORM_STORY)
    sections = segment(clean(text))
    assert [section.paragraphs[0].text for section in sections] == [MATCH_STORY[0], subheading]
    assert [section.heading for section in sections] == [None, subheading]
    assert sections[1].text.startswith(subheading)
    assert_sections_cover(text, sections)


def test_segment_keeps_a_subheading_inside_one_story_with_the_paragraph_it_introduces() -> None:
    subheading = "صيانة الشبكة"
    text = article(*WATER_STORY[:2], subheading, *WATER_STORY[2:])
    sections = segment(clean(text))
    assert len(sections) == 1 and sections[0].heading is None
    assert [paragraph.text for paragraph in sections[0].paragraphs] == [*WATER_STORY[:2], subheading, *WATER_STORY[2:]]
    assert_sections_cover(text, sections)


def test_segment_keywords_are_characteristic_content_words_of_each_section() -> None:
    text = article(*MATCH_STORY, *STORM_STORY)
    sections = segment(clean(text))
    for section in sections:
        assert 3 <= len(section.keywords) <= 6
        assert len(set(section.keywords)) == len(section.keywords)
        for keyword in section.keywords:
            assert keyword in section.text
            assert not is_stopword(normalize(keyword))
            assert not keyword.isdigit()
    assert "الترجي" in sections[0].keywords
    assert "العاصفة" in sections[1].keywords


def test_segment_gives_fewer_keywords_only_to_a_section_with_few_content_words() -> None:
    sections = segment(clean("ارتفعت الأسعار كثيرا."))
    assert len(sections) == 1
    assert sections[0].keywords == ["ارتفعت", "الأسعار", "كثيرا"]


def test_segment_of_a_single_paragraph_gives_one_section() -> None:
    text = MATCH_STORY[0]
    sections = segment(clean(text))
    assert len(sections) == 1 and sections[0].text == text


def test_segment_of_no_paragraphs_gives_no_sections() -> None:
    assert segment(clean("   \n\n ")) == []


def test_segment_rejects_a_limit_below_one() -> None:
    with pytest.raises(ValueError, match="max_sections"):
        segment(clean(MATCH_STORY[0]), max_sections=0)


def test_segment_handles_paragraphs_without_content_words() -> None:
    text = article("2019", "2020", "2021")
    sections = segment(clean(text))
    assert_sections_cover(text, sections)
    assert all(section.keywords == [] for section in sections)


def test_segment_covers_a_two_thousand_word_article() -> None:
    # Speed is measured by the segmentation benchmark, never by a timed test.
    stories = [MATCH_STORY, STORM_STORY, WATER_STORY]
    paragraphs = [f"{paragraph} ({number})" for number in range(11) for story in stories for paragraph in story]
    text = article(*paragraphs)
    assert len(text.split()) > 2000
    assert_sections_cover(text, segment(clean(text)))


def test_segment_leaves_the_dateline_out_of_the_keywords() -> None:
    # A dateline says where a story was filed, and stories of one outlet share it: it is no topic word.
    sections = segment(clean("دبي، الإمارات العربية المتحدة (CNN)-- ارتفعت الأسعار كثيرا."))
    assert sections[0].keywords == ["ارتفعت", "الأسعار", "كثيرا"]


def test_segment_of_thousands_of_lines_scores_runs_of_paragraphs() -> None:
    # 10,000 one-word lines are 10,000 paragraphs: pairwise cohesion over each would take minutes and gigabytes.
    stories = [MATCH_STORY, STORM_STORY, WATER_STORY]
    words = [word for story in stories for paragraph in story for word in paragraph.split()]
    text = "\n".join(words[index % len(words)] for index in range(10_000))
    sections = segment(clean(text), max_sections=12)
    assert_sections_cover(text, sections)
    assert 1 <= len(sections) <= 12
    run = -(-len(clean(text).paragraphs) // MAX_SCORED_UNITS)
    assert all(len(section.paragraphs) % run == 0 for section in sections[:-1]), "boundaries fall between runs"


def test_segment_starts_a_section_at_a_wire_dateline() -> None:
    # A dateline inside a text opens another filed story.
    wire_story = [
        "الرباط (رويترز) - وقع المغرب وإسبانيا اتفاقا لتعزيز التعاون في مجال الصيد البحري قبالة السواحل الأطلسية.",
        "وينص الاتفاق على تقاسم حصص الصيد وتمويل مشاريع لتأهيل موانئ الصيد في الجنوب.",
    ]
    text = article(*WATER_STORY[:3], *wire_story)
    sections = segment(clean(text))
    assert [section.paragraphs[0].text for section in sections] == [WATER_STORY[0], wire_story[0]]
    assert_sections_cover(text, sections)


def test_a_dateline_adds_its_bonus_to_the_model_bonus() -> None:
    words = content_words(WATER_STORY[1])
    plain = [Paragraph(WATER_STORY[0], content_words(WATER_STORY[0])), Paragraph(WATER_STORY[1], words)]
    dated = [plain[0], Paragraph(WATER_STORY[1], words, dateline=True)]
    features = boundary_features(plain)
    difference = (
        opening_bonuses(dated, features, boundary_model())[1] - opening_bonuses(plain, features, boundary_model())[1]
    )
    assert difference == pytest.approx(DATELINE_BONUS)
