"""Whole-article evidence around a boundary: what follows it, the names and numbers each side holds, who speaks."""

from service.text.context import CONTEXT_FEATURES, with_neighbours
from service.text.evidence import FEATURES, Paragraph, boundary_features
from service.text.lexicon import content_words

# A made-up sports roundup: one match in Tetouan, then another in Berkane with other teams and another score.
FIRST_MATCH = [
    "فاز فريق المغرب التطواني على ضيفه اتحاد طنجة بنتيجة 3 مقابل 1 في ملعب سانية الرمل مساء السبت.",
    "وسجل مهاجم التطواني هدفين في الشوط الأول، قبل أن يقلص طنجة الفارق من ركلة جزاء.",
    "ورفع التطواني رصيده إلى 25 نقطة، فيما تجمد رصيد طنجة عند 19 نقطة.",
]
SAME_MATCH = "وأضاف التطواني الهدف الثالث في الدقيقة 80 بعد هجمة مرتدة سريعة على مرمى طنجة."
OTHER_MATCH = [
    "وتعادل نهضة بركان مع ضيفه حسنية أكادير بهدفين لمثلهما على ملعب البلدي في بركان.",
    "وتقدم حسنية أكادير مرتين، لكن بركان عاد في كل مرة، ليحافظ على رصيده عند 31 نقطة.",
]


def paragraphs(*texts: str) -> list[Paragraph]:
    return [Paragraph(text, content_words(text)) for text in texts]


def features_at(texts: list[str], index: int) -> dict[str, float]:
    return dict(zip(FEATURES, boundary_features(paragraphs(*texts))[index - 1], strict=True))


def test_the_feature_list_holds_the_whole_article_evidence_and_both_neighbours() -> None:
    assert set(CONTEXT_FEATURES) <= set(FEATURES)
    assert "before_similarity_ahead" in FEATURES and "after_similarity_ahead" in FEATURES
    rows = boundary_features(paragraphs(*FIRST_MATCH, *OTHER_MATCH))
    assert len(rows) == 4 and all(len(row) == len(FEATURES) for row in rows)


def test_a_new_match_keeps_none_of_the_teams_and_belongs_with_what_follows() -> None:
    same = features_at([*FIRST_MATCH, SAME_MATCH, *OTHER_MATCH], 3)
    other = features_at([*FIRST_MATCH, *OTHER_MATCH], 3)
    # The teams of the last paragraphs: the same match names them again, the next match never does.
    assert same["recent_actors_carried"] > other["recent_actors_carried"]
    # Its own names come back after it, not before ("ضيفه" is the only word both matches use).
    assert same["own_actors_behind"] == 1.0 and same["own_actors_ahead"] == 0.0
    assert other["own_actors_behind"] < 0.5 < other["own_actors_ahead"]
    assert other["actors_jaccard_previous"] == 0.0 < same["actors_jaccard_previous"]
    # The next match's first paragraph shares its words with the paragraph after it, not with those before.
    assert other["ahead_minus_behind"] > 0.0 > same["ahead_minus_behind"]


def test_numbers_say_whether_a_paragraph_goes_on_with_the_same_figures() -> None:
    first = "بلغت صادرات القمح 4500 طن خلال شهر مارس، بقيمة 12 مليون دولار."
    same = features_at([first, "وتوزعت الكمية البالغة 4500 طن على ثلاثة موانئ."], 1)
    new = features_at(
        [first, "وارتفع مؤشر البورصة في جلسة الخميس بعد تداولات نشطة شملت كل القطاعات بمقدار 250 نقطة."], 1
    )
    assert same["numbers_shared_behind"] == 1.0 and same["numbers_new"] == 0.0
    assert new["numbers_shared_behind"] == 0.0 and new["numbers_new"] == 1.0
    assert new["opens_with_number"] == 0.0
    assert features_at([first, "في الدقيقة 75 أضاف الفريق هدفا ثانيا."], 1)["opens_with_number"] == 1.0


def test_a_quotation_is_told_by_its_marks() -> None:
    story = "أعلن وزير النقل الموريتاني الغزواني عن تمديد خط السكة الحديدية إلى ميناء نواذيبو."
    quote = features_at([story, "«سننتهي من الأشغال قبل نهاية العام» قال الغزواني للصحفيين."], 1)
    plain = features_at([story, "وتبلغ كلفة المشروع نحو مئتي مليون دولار."], 1)
    assert quote["opens_with_quote"] == 1.0 and quote["quoted_share"] > 0.5
    assert plain["opens_with_quote"] == 0.0 and plain["quoted_share"] == 0.0


def test_a_speech_verb_with_a_known_speaker_is_told_from_a_new_speaker() -> None:
    story = [
        "أعلن وزير النقل الموريتاني الغزواني عن تمديد خط السكة الحديدية إلى ميناء نواذيبو.",
        "وأوضح الغزواني أن الأشغال ستنتهي خلال عامين.",
    ]
    known = features_at([*story, "وقال الغزواني إن التمويل مضمون من الخزينة العامة."], 2)
    new = features_at([*story, "وقال غيلان الرشيدي إن فريق الكويت سيواجه ضيفه في الدوري."], 2)
    assert known["speech_known_speaker"] == 1.0 and known["speech_new_speaker"] == 0.0
    assert new["speech_new_speaker"] == 1.0 and new["speech_known_speaker"] == 0.0


def test_neighbouring_boundaries_are_stacked_with_zeros_at_either_end() -> None:
    rows = [[1.0, 10.0], [2.0, 20.0], [3.0, 30.0]]
    assert with_neighbours(rows, [1]) == [[1.0, 10.0, 0.0, 20.0], [2.0, 20.0, 10.0, 30.0], [3.0, 30.0, 20.0, 0.0]]
    assert with_neighbours([], [0]) == []
