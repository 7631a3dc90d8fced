"""Corpus evidence (service/text/semantic.py) on Arabic sentences written for these tests."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from service.text import semantic

# A football story, its continuation, and another match of the same round (other teams, same vocabulary).
MATCH = (
    "فاز فريق الأهلي على الزمالك بهدفين مقابل هدف في مباراة القمة التي أقيمت مساء الجمعة على استاد القاهرة. "
    "وسجل محمد صلاح الهدف الأول للأهلي في الدقيقة العشرين."
)
MATCH_GOES_ON = "وأضاف لاعب الأهلي الهدف الثاني قبل نهاية المباراة، بينما قلص الزمالك الفارق بركلة جزاء."
OTHER_MATCH = "وفي مباراة أخرى، تعادل الوداد مع الرجاء في الدار البيضاء دون أهداف في الدوري المغربي."
# A story about oil prices, and a paragraph about an earthquake: different topics.
OIL = "ارتفعت أسعار النفط في الأسواق العالمية بعد قرار منظمة أوبك خفض الإنتاج، وصعد خام برنت إلى سبعين دولارا للبرميل."
OIL_GOES_ON = "وتوقع محللون أن تواصل أسعار الخام ارتفاعها مع تراجع المخزونات الأمريكية وزيادة الطلب على الوقود."
QUAKE = "ضرب زلزال بقوة ست درجات جزيرة سومطرة في إندونيسيا، ما أدى إلى انهيار مبان وفرار السكان من منازلهم."


def _logit(context: str, paragraph: str) -> dict[str, float]:
    return semantic.pair_features(semantic.bag(context), semantic.bag(paragraph))


def test_a_story_keeps_its_teams_and_another_match_does_not() -> None:
    same, other = _logit(MATCH, MATCH_GOES_ON), _logit(MATCH, OTHER_MATCH)
    assert same["kept_next"] > other["kept_next"]
    assert same["kept_context"] > other["kept_context"]
    assert same["pair_logit"] > other["pair_logit"]


def test_word_vectors_tell_a_continuation_from_another_topic() -> None:
    same, other = _logit(OIL, OIL_GOES_ON), _logit(OIL, QUAKE)
    # The continuation shares almost no words with the context: the vectors must carry the topic.
    assert same["vector_cosine"] > other["vector_cosine"] + 0.1
    assert same["pair_logit"] > other["pair_logit"]


def test_gap_evidence_has_one_entry_per_gap_and_sees_what_follows() -> None:
    evidence = semantic.gap_evidence([OIL, OIL_GOES_ON, MATCH, MATCH_GOES_ON])
    assert len(evidence) == 3
    # The gap into the football story is the least continuous one, by the pair model and by the margin of
    # "about what follows" over "about what precedes".
    assert min(range(3), key=lambda gap: evidence[gap]["pair_logit"]) == 1
    assert max(range(3), key=lambda gap: evidence[gap]["ahead_margin"]) == 1
    assert evidence[2]["ahead_cosine"] == 0.0


# Two matches of one round, two paragraphs each: the same vocabulary, other teams, players and cities.
ROUND = [
    "تغلب نادي الهلال على النصر بثلاثة أهداف نظيفة في ديربي الرياض ضمن الجولة العاشرة من الدوري السعودي.",
    "وأحرز المهاجم الفرنسي بافيتيمبي غوميز هدفين للهلال، فيما أضاف سالم الدوسري الهدف الثالث قبل النهاية.",
    "وتعادل الاتحاد مع الأهلي بهدف لمثله في ديربي جدة على ملعب مدينة الملك عبدالله الرياضية.",
    "وتقدم الأهلي عن طريق عمر السومة من ركلة جزاء، قبل أن يدرك الاتحاد التعادل في الدقائق الأخيرة.",
]


def test_the_teams_changing_mark_the_second_match_as_a_new_story() -> None:
    evidence = semantic.gap_evidence(ROUND)
    assert len(evidence) == 3
    # The gap before paragraph 2 opens the second match: its paragraph keeps the fewest terms of the one before, and
    # what follows it is about it rather than about the first match. (The window of two paragraphs before it shares
    # "ديربي" with it, so the window's kept-term sum alone does not single it out: the evidence is meant together.)
    assert min(range(3), key=lambda gap: evidence[gap]["previous_kept_next_sum"]) == 1
    assert min(range(3), key=lambda gap: evidence[gap]["previous_pair_logit"]) == 1
    assert evidence[1]["ahead_story_margin"] > 0 > evidence[0]["ahead_story_margin"]


# Inside the oil story: a new speaker is quoted, then the story goes on; against it, a new story that goes on.
QUOTE = "وقال وزير الطاقة السعودي خالد الفالح للصحفيين إن بلاده ملتزمة بالاتفاق حتى نهاية العام."
OIL_AGAIN = "وسجل خام غرب تكساس الوسيط ارتفاعا مماثلا، مع توقعات بتراجع الإنتاج الأمريكي من النفط الصخري."
QUAKE_GOES_ON = "وأعلنت هيئة الأرصاد الإندونيسية أن الهزات الارتدادية استمرت عدة ساعات، وفتحت السلطات ملاجئ للسكان."


def test_what_follows_tells_a_quoted_speaker_from_a_new_story() -> None:
    quoted = semantic.gap_evidence([OIL, OIL_GOES_ON, QUOTE, OIL_AGAIN])[1]
    new_story = semantic.gap_evidence([OIL, OIL_GOES_ON, QUAKE, QUAKE_GOES_ON])[1]
    # Both paragraphs bring new names, so the paragraph alone keeps few of the story's terms either way...
    assert quoted["kept_next_sum"] < 0 and new_story["kept_next_sum"] < 0
    # ...but the story comes back after the quote, and does not after the new story's opening.
    assert quoted["block_kept_sum"] > new_story["block_kept_sum"]
    assert quoted["focus_kept"] > new_story["focus_kept"]
    assert quoted["ahead_story_margin"] < 0 < new_story["ahead_story_margin"]
    assert quoted["long_block_kept_sum"] > new_story["long_block_kept_sum"]


def test_story_features_follow_the_story_the_caller_names() -> None:
    article = semantic.article_terms(ROUND)
    # Paragraph 2 opens the second match after the first; paragraph 3 goes on with the second match.
    opening = semantic.story_features(article, 0, 2)
    going_on = semantic.story_features(article, 2, 3)
    assert going_on["kept_next_sum"] > opening["kept_next_sum"]
    assert going_on["pair_logit"] > opening["pair_logit"]
    assert opening["story_paragraphs"] == 2.0 and going_on["story_paragraphs"] == 1.0
    batched = semantic.stories_features(article, np.array([2, 0]), np.array([3, 2]))
    assert batched["kept_next_sum"].tolist() == [going_on["kept_next_sum"], opening["kept_next_sum"]]


@pytest.mark.parametrize(("start", "i"), [(2, 2), (-1, 2), (0, 4)])
def test_story_features_refuse_a_story_that_is_not_before_the_paragraph(start: int, i: int) -> None:
    with pytest.raises(ValueError, match="start"):
        semantic.story_features(semantic.article_terms(ROUND), start, i)


def test_gap_evidence_of_too_short_an_article_is_empty() -> None:
    assert semantic.gap_evidence([OIL]) == []
    assert semantic.gap_evidence([]) == []


@pytest.mark.parametrize("text", ["", "123 456", "?!"])
def test_text_without_known_words_gives_neutral_evidence(text: str) -> None:
    values = _logit(OIL, text)
    assert set(values) >= {"vector_cosine", "overlap", "kept_next", "kept_next_sum", "kept_context", "pair_logit"}
    assert set(values.values()) == {0.0}


def test_a_subheading_is_about_what_follows_and_a_stray_headline_about_neither() -> None:
    subheading = semantic.headline_evidence(MATCH, "أسعار النفط ترتفع مع خفض إنتاج أوبك", OIL_GOES_ON)
    stray = semantic.headline_evidence(OIL, "زلزال قوي يضرب سومطرة الإندونيسية", OIL_GOES_ON)
    assert subheading["after_logit"] > subheading["before_logit"]
    assert subheading["after_cosine"] > subheading["before_cosine"]
    assert subheading["after_kept"] > subheading["before_kept"]
    assert stray["after_kept"] < subheading["after_kept"]
    assert stray["about_neither"] > subheading["about_neither"]


def test_the_module_loads_no_torch_and_nothing_at_import() -> None:
    code = (
        "import sys\n"
        "from service.text import corpus_model, semantic\n"
        "assert corpus_model._load.cache_info().currsize == 0\n"
        "semantic.gap_evidence(['ارتفعت أسعار النفط اليوم في الأسواق', 'وتراجعت أسعار الذهب في الأسواق'])\n"
        "assert corpus_model._load.cache_info().currsize == 1\n"
        "assert 'torch' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
