"""Evidence that a new story starts: opening phrases, fronted places, weekdays, actors and the boundary model."""

import pytest

from service.text import normalize
from service.text.boundary import boundary_model
from service.text.cues import (
    Opener,
    attributes_speech,
    dates_by_weekday,
    fronted_phrase,
    opener,
    opens_with_fronted_phrase,
    says_also,
)
from service.text.evidence import FEATURES, Paragraph, boundary_features
from service.text.lexicon import content_words
from service.text.rarity import is_actor, zipf


@pytest.mark.parametrize(
    ("paragraph", "kind"),
    [
        ("وفي تطور منفصل، أعلنت وزارة الصحة عن حملة تطعيم جديدة.", Opener.NEW_TOPIC),
        ("على صعيد آخر، افتتح المحافظ جسرا فوق النهر.", Opener.NEW_TOPIC),
        ("وفي حادث آخر، اصطدمت حافلة بشاحنة على الطريق السريع.", Opener.NEW_TOPIC),
        ("من ناحية أخرى، ارتفعت أسعار الذهب في الأسواق المحلية.", Opener.NEW_TOPIC),
        ("في غضون ذلك، وصلت قافلة مساعدات إلى المدينة.", Opener.GENERIC),
        ("إلى ذلك، أعلنت الشرطة توقيف ثلاثة أشخاص.", Opener.GENERIC),
        ("وفي الوقت نفسه، بدأت فرق الإنقاذ البحث عن المفقودين.", Opener.GENERIC),
        ("وفي سياق متصل، قال المتحدث إن التحقيق مستمر.", Opener.RELATED),
        ("في السياق ذاته، دعت المنظمة إلى ضبط النفس.", Opener.RELATED),
        ("من جهته، قال رئيس البلدية إن الأضرار محدودة.", Opener.REACTION),
        ("وأضاف الوزير أن الخطة ستنفذ على مراحل.", Opener.REACTION),
        ("كما دعا البيان إلى فتح تحقيق مستقل.", Opener.CONTINUATION),
        ("وتشهد المنطقة منذ أشهر توترا متصاعدا.", Opener.CONTINUATION),
        ('"لن نتراجع عن قرارنا"، قال المتحدث.', Opener.CONTINUATION),
        ("أعلنت وزارة الداخلية اليوم عن خطة جديدة للمرور.", Opener.FRESH),
        ("وصل وفد من البنك الدولي إلى العاصمة صباح الأحد.", Opener.FRESH),
    ],
)
def test_opener_tells_how_a_paragraph_attaches(paragraph: str, kind: Opener) -> None:
    assert opener(normalize(paragraph)) is kind


@pytest.mark.parametrize(
    ("paragraph", "fronted"),
    [
        ("وفي مدينة حلب، أعيد فتح السوق القديمة بعد ترميمها.", True),
        ("في الضفة الغربية، أغلقت القوات الطرق المؤدية إلى القرية.", True),
        ("وخلال الأسبوع الماضي، تراجعت صادرات القمح.", True),
        ("وقال الوزير إن الاتفاق سيوقع قريبا، مضيفا أن المفاوضات انتهت.", False),
        ("أعلنت الحكومة، الأحد، عن خطة جديدة.", False),
    ],
)
def test_fronted_place_or_time_phrase(paragraph: str, fronted: bool) -> None:
    assert opens_with_fronted_phrase(normalize(paragraph)) is fronted


@pytest.mark.parametrize(
    ("paragraph", "dated"),
    [
        ("قتل ثلاثة أشخاص، الاثنين، في انفجار قرب السوق.", True),
        ("أعلنت الشركة يوم الخميس عن نتائجها السنوية.", True),
        ("وقال المسؤول إن العمل سيستمر حتى نهاية الشهر.", False),
    ],
)
def test_a_weekday_near_the_start_dates_a_lead(paragraph: str, dated: bool) -> None:
    assert dates_by_weekday(normalize(paragraph)) is dated


@pytest.mark.parametrize(
    ("paragraph", "speaks"),
    [
        ("وفي تطور آخر، قال رئيس الوزراء إن الحكومة لن ترفع الأسعار.", True),
        ("من جهة أخرى، أكدت الوزيرة أن المدارس ستفتح أبوابها في موعدها.", True),
        ("وأضاف المتحدث أن التحقيق سيستغرق أسابيع.", True),
        ("افتتح المحافظ، الأحد، مستشفى جديدا في المدينة، وقال إنه سيخدم آلاف المرضى.", False),
        ("من جهة أخرى، وقعت الحكومة اتفاقا لبناء محطة كهرباء.", False),
    ],
)
def test_a_speech_verb_in_the_first_words_is_an_attribution(paragraph: str, speaks: bool) -> None:
    assert attributes_speech(normalize(paragraph)) is speaks


def test_rare_names_are_actors_and_everyday_words_are_not() -> None:
    assert not is_actor("وزير") and not is_actor("الحكومة")
    assert is_actor("حفتر")
    # Clitics do not make a word rarer than it is.
    assert zipf("والقاهرة") == pytest.approx(zipf("القاهرة"))


def paragraphs(*texts: str) -> list[Paragraph]:
    return [Paragraph(text, content_words(text)) for text in texts]


FIRST_STORY = [
    "التقى الرئيس الموريتاني محمد ولد الغزواني في نواكشوط وفدا من رجال الأعمال الماليين لبحث التبادل التجاري.",
    "وقال الغزواني إن نواكشوط ترحب بالمستثمرين الماليين وتعمل على تسهيل عبور البضائع عبر حدودها الشرقية.",
]
SAME_ACTORS = "من جهة أخرى، أكد الغزواني أن نواكشوط ستستضيف معرضا تجاريا للمستثمرين الماليين الشهر المقبل."
NEW_ACTORS = [
    "من جهة أخرى، أعلنت بلدية أغادير المغربية إغلاق شاطئ تغازوت أمام السباحين بسبب ارتفاع الأمواج.",
    "وقالت بلدية أغادير إن شاطئ تغازوت سيبقى مغلقا حتى تهدأ الأمواج.",
]


def features_at(texts: list[str], index: int) -> dict[str, float]:
    return dict(zip(FEATURES, boundary_features(paragraphs(*texts))[index - 1], strict=True))


def test_new_actors_mark_a_new_story_and_familiar_ones_do_not() -> None:
    same = features_at([*FIRST_STORY, SAME_ACTORS, FIRST_STORY[1]], 2)
    new = features_at([*FIRST_STORY, *NEW_ACTORS], 2)
    assert same["opens_new_topic"] == new["opens_new_topic"] == 1.0
    assert same["novelty"] == 0.0 and same["first_actor_new"] == 0.0
    assert new["novelty"] == 1.0 and new["first_actor_new"] == 1.0
    # The first story's people and places never come back after the change.
    assert new["recent_actors_dropped"] == 1.0


def test_boundary_model_prefers_a_change_of_actors_to_a_reaction() -> None:
    model = boundary_model()
    same = boundary_features(paragraphs(*FIRST_STORY, SAME_ACTORS, FIRST_STORY[1]))[1]
    new = boundary_features(paragraphs(*FIRST_STORY, *NEW_ACTORS))[1]
    reaction = boundary_features(paragraphs(*FIRST_STORY, "وأضاف الغزواني أن البضائع ستعبر الحدود الشرقية."))[1]
    odds = model.log_odds([new, same, reaction])
    assert odds[0] > odds[2] and odds[1] > odds[2]


def test_boundary_features_of_one_paragraph_are_empty() -> None:
    assert boundary_features(paragraphs(FIRST_STORY[0])) == []


@pytest.mark.parametrize(
    ("paragraph", "also"),
    [
        ("اهتمت الصحف كذلك بارتفاع أسعار الوقود في البلاد.", True),
        ("وأعلنت الوزارة أيضا عن فتح باب التسجيل.", True),
        ("وقال المتحدث إن الأسعار سترتفع مرة أخرى في الصيف، كما حدث أيضا العام الماضي.", False),
    ],
)
def test_also_in_the_first_words_adds_an_item(paragraph: str, also: bool) -> None:
    assert says_also(normalize(paragraph)) is also


VISIT = [
    "وصل رئيس الوزراء إلى العاصمة في زيارة رسمية تستغرق يومين يلتقي خلالها كبار المسؤولين.",
    "وتتناول الزيارة ملفات التعاون الاقتصادي والتبادل التجاري بين البلدين.",
]


def test_an_opening_that_names_another_event_is_evidence_of_a_new_story() -> None:
    attack = features_at([*VISIT, "من جهة أخرى، قتل ثلاثة جنود في هجوم على نقطة تفتيش قرب الحدود."], 2)
    same_visit = features_at([*VISIT, "من جهة أخرى، تختتم الزيارة مساء الغد بحفل عشاء في القصر."], 2)
    assert attack["new_event"] == 1.0 and attack["event_seen_recently"] == 0.0
    assert same_visit["new_event"] == 0.0 and same_visit["event_seen_recently"] == 1.0


def test_a_known_actor_speaking_is_told_from_someone_new() -> None:
    known = features_at([*FIRST_STORY, "وفي تطور آخر، قال الغزواني إن نواكشوط ستفتح معبرا جديدا."], 2)
    new = features_at([*FIRST_STORY, *NEW_ACTORS], 2)
    assert known["speech"] == known["speech_by_known_actor"] == 1.0
    assert new["speech"] == new["speech_by_known_actor"] == 0.0


AIRSTRIKES = [
    "شنت طائرات حربية غارات على مواقع للمسلحين في محافظة إدلب، وأسفرت عن مقتل عشرة أشخاص.",
    "وقالت مصادر محلية إن الغارات استهدفت مستودعا للذخيرة في ريف إدلب الجنوبي.",
]


@pytest.mark.parametrize(
    ("paragraph", "new", "fronted"),
    [
        ("وفي محافظة الحسكة، اندلع حريق كبير في سوق شعبية وأتى على عشرات المحلات.", True, True),
        ("وفي الحسكة، اندلع حريق كبير في سوق شعبية.", True, True),
        ("وسقط ثلاثة قتلى في انفجار عبوة ناسفة بمدينة القامشلي شمال شرقي البلاد.", True, False),
        # A place the story already named, a country's name that is no place of its own, and a fronted reaction.
        ("وفي محافظة إدلب، أعلنت السلطات حظر التجول حتى صباح الغد.", False, False),
        ("وقالت الولايات المتحدة إن الغارات تهدد المدنيين.", False, False),
        ("من جهته، أكد المتحدث باسم الدفاع المدني أن فرق الإنقاذ تبحث عن ناجين.", False, False),
    ],
)
def test_an_opening_that_names_a_place_new_to_the_article(paragraph: str, new: bool, fronted: bool) -> None:
    features = features_at([*AIRSTRIKES, paragraph], 2)
    assert features["place_new"] == float(new)
    assert features["fronted_and_place_new"] == float(fronted)


def test_the_story_under_way_starts_again_after_a_phrase_that_announces_another() -> None:
    school = [
        "على صعيد آخر، افتتح وزير التعليم مدرسة جديدة للبنات في العاصمة.",
        "وتضم المدرسة الجديدة عشرين فصلا ومكتبة للبنات.",
    ]
    after_change = features_at([*AIRSTRIKES, *school], 3)
    # The story under way is the school alone, not the airstrikes before it.
    assert after_change["similarity_story"] == pytest.approx(after_change["similarity_previous"])
    assert after_change["similarity_story"] > after_change["similarity_window"]
    within = features_at([*AIRSTRIKES, "وأضافت المصادر أن الغارات استهدفت أيضا مواقع في ريف إدلب."], 2)
    assert within["similarity_story"] > 0.0


def test_fronted_phrase_is_the_place_or_time_put_first() -> None:
    assert fronted_phrase(normalize("وفي مدينة حلب، أعيد فتح السوق.")) == "وفي مدينه حلب،"
    assert fronted_phrase(normalize("أعلنت الحكومة، الأحد، عن خطة جديدة.")) == ""
