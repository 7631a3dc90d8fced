"""How a paragraph opens: phrases that start a new story, wire datelines, and openers that continue one.

Phrase patterns match the start of a paragraph after normalize(), datelines the paragraph as written. Arabic news
convention is that a story's first paragraph opens on its own ("أعلنت الوزارة ...") while later ones attach with
و or a linking phrase ("كما ...").
"""

from __future__ import annotations

import re
from enum import IntEnum

# "On another note", "in a separate incident" and friends, with an optional conjunction in front: the writer says
# a new story begins. "اخر/اخري/منفصل/ثان" after a noun of context, side, level, event or file.
_NEW_TOPIC = re.compile(
    r"^[وف]?(?:من (?:جانب|جهه|ناحيه|زاويه) (?:اخر|اخري|ثانيه|ثان)"
    r"|(?:علي|في|ب) ?(?:ال)?\S+ (?:اخر|اخري|منفصل|منفصله|مختلف|مختلفه|ثان|الاخر|الاخري|الثاني|الثانيه|الثالث|الثالثه"
    r"|الرابع|الرابعه|المنفصل|المنفصله)"
    r"|(?:في|ب) ?(?:حوادث|تطورات|اخبار|ملفات|هجمات) (?:اخري|منفصله)|في باقي|في بقيه"
    r"|(?:موضوع|خبر|ملف|حدث) (?:اخر|ثان)|بعيدا عن (?:ذلك|هذا)|بمعزل عن (?:ذلك|هذا)|اما علي صعيد)\b"
)
# Generic connectives: "meanwhile", "besides that", "at the same time". Elsewhere they continue a story; only with
# a change of actors and words do they open a new one.
_GENERIC = re.compile(
    r"^[وف]?(?:الي ذلك|في غضون ذلك|في غضون|في الغضون|في الوقت (?:نفسه|ذاته)|في هذه الاثناء|في الاثناء"
    r"|علي صعيد|علي الصعيد|في سياق|في اطار|من جهه|من ناحيه|بالتزامن|في موازاه|ميدانيا|سياسيا|اقتصاديا|دوليا"
    r"|محليا|امنيا)\b"
)
# "In a related context", "in the same context": the writer says the story goes on.
_RELATED = re.compile(
    r"^[وف]?(?:في (?:سياق|اطار|شان) (?:متصل|ذي صله|مرتبط|ذاته|نفسه)|في (?:السياق|الاطار|الشان) (?:ذاته|نفسه)"
    r"|في هذا (?:السياق|الاطار|الشان)|في سياق متصل|علي صعيد متصل|في تطور لاحق|وفي السياق)\b"
)
# "القاهرة (رويترز) -", "(CNN)--", "دبي، الإمارات (CNN) –": a place and a source in brackets, then a dash.
_BRACKETED_DATELINE = re.compile(r"^[^.!?؟\n]{0,80}?\([^()\n]{2,30}\)\s*[-–—]")
# "القاهرة - ..." or "دبي، العربية.نت -": one or two words, then a dash. The first word must hold a letter, so
# that a numbered list item ("1- ...") is not taken for a place.
_PLAIN_DATELINE = re.compile(r"^(?=\S*[^\W\d_])[^\s،,.:\"«]+(?:[،,]?\s[^\s،,.:\"«]+)?\s*[-–—]{1,2}\s")
# Common words whose first letter و is part of the root, so it is not the conjunction "and" (وصل, وافق, وزير).
_WAW_ROOTS = (
    r"وصل|وصول|وافق|واصل|وقع|وجه|وضع|وفق|وزير|وزار|وكال|وسط|واشنطن|وصف|وثق|ولد|ولايه|ولي\s|وحدات|وراء|واقع"
    r"|وفد\s|وفاه"
)
# A reaction or an attribution: "من جهته" (for his part), "وقال", "وأضاف": the same story's actors speaking.
_REACTION = re.compile(
    r"^[وف]?(?:من (?:جهته|جهتها|جهتهم|جانبه|جانبها|جانبهم|ناحيته|ناحيتها)|بدوره|بدورها|بدورهم|في المقابل|بالمقابل"
    r"|ردا علي|تعليقا علي)\b"
    r"|^و(?:قال|قالت|قالوا|اضاف|اضافت|اوضح|اوضحت|اكد|اكدت|تابع|تابعت|اشار|اشارت|ذكر|ذكرت|افاد|افادت|نقل|نقلت"
    r"|اعتبر|اعتبرت|لفت|لفتت|شدد|شددت|اعرب|اعربت|كشف|كشفت|نفي|نفت|اعلن|اعلنت|يقول|تقول|بحسب|حسب|وفقا)\b"
)
# "جاء ذلك" (this came ...), "يأتي ذلك" (this comes ...): a demonstrative that points back at the paragraph before.
_CONTINUATION = re.compile(
    r"^(?:[\"'«“(]|(?!" + _WAW_ROOTS + r")و\S|(?:جاء|ياتي|تاتي) (?:ذلك|هذا|هذه)\b"
    r"|(?:كما|لكن|لكنه|لكنها|اما|الا|غير ان|كذلك|بينما|في حين|حيث|اذ|ثم"
    r"|يذكر|يشار|جدير|هذا|في هذا|بعد ذلك|علما|مع ذلك|رغم ذلك|وكان|وكانت)\b)"
)
# "وفي الضفة الغربية،", "وفي دمشق،": a place or time put first, closed by a comma within a few words.
_FRONTED = re.compile(r"^[وف]?(?:في|من|علي|خلال|داخل|قرب) [^،,.:؟!\"«]{2,40}?[،,]")
_WEEKDAYS = r"(?:ال)?(?:احد|اثنين|ثلاثاء|اربعاء|خميس|جمعه|سبت)"
# A weekday between commas or after a verb near the start is how a story's first paragraph dates its event.
_WEEKDAY = re.compile(r"(?:^|[\s،,(])(?:يوم )?" + _WEEKDAYS + r"(?=[\s،,)]|$)")
_WEEKDAY_WORDS = 15
# A speech verb in a paragraph's first words ("وفي تطور آخر قال الرئيس ..."): someone speaking, most often an actor
# of the story already under way.
_SPEECH = re.compile(
    r"(?:^|\s)[وف]?(?:قال|قالت|قالوا|اضاف|اضافت|اكد|اكدت|اوضح|اوضحت|اعتبر|اعتبرت|شدد|شددت|اشار|اشارت|تابع|تابعت"
    r"|صرح|صرحت|لفت|لفتت|ذكر|ذكرت|نفي|نفت|رد|ردت|علق|علقت|دعا|دعت|حذر|حذرت)(?=\s|[،,:]|$)"
)
_SPEECH_WORDS = 6
# "Also", "as well" in a paragraph's first words: "اهتمت الصحف كذلك ..." adds one more item to a list of stories.
_ALSO = re.compile(r"(?:^|\s)[وف]?(?:كذلك|ايضا)(?:\s|[،,.]|$)")
_ALSO_WORDS = 8


# Nouns of news events, normalize()d: a story is about one event, so a paragraph whose opening names an event
# the paragraphs before it do not is likelier to start another story.
EVENT_NOUNS = (  # noqa: SIM905 - a word list reads better as lines of text than as one string per line
    # meetings and agreements
    "زياره جوله لقاء اجتماع اجتماعات مؤتمر قمه جلسه محادثات مباحثات مفاوضات اتفاق اتفاقيه مذكره صفقه عقد"
    # violence and disasters
    " هجوم هجمات غاره غارات قصف تفجير انفجار اغتيال اختطاف حادث حادثه حريق زلزال فيضان اشتباكات مواجهات معارك"
    " معركه عمليه"
    # protest, politics and justice
    " تظاهره تظاهرات مظاهره مظاهرات احتجاج احتجاجات اضراب انتخابات استفتاء اعتقال حمله محاكمه تحقيق"
    # decisions, plans, matches and statements
    " قرار قانون مرسوم موازنه ميزانيه مشروع مبادره خطه مباراه بطوله تقرير بيان خطاب كلمه"
).split()


# Nouns that put a place name after them, normalize()d: "في محافظة مأرب"، "شمال بغداد"، "العاصمة صنعاء".
PLACE_NOUNS = (  # noqa: SIM905 - a word list reads better as lines of text than as one string per line
    # settlements and administrative units
    "مدينه بلده قريه محافظه ولايه اقليم منطقه مديريه مخيم عاصمه"
    # directions: "شمال بغداد", "جنوبي البلاد" (a common word after them is no place)
    " شمال جنوب شرق غرب شمالي جنوبي شرقي غربي وسط"
).split()


# Openers and datelines sit in a paragraph's first words: the cues look at this many characters of it, which keeps
# long paragraphs cheap.
OPENING_CHARS = 120


class Opener(IntEnum):
    """What a paragraph's first words say about its place in the article."""

    FRESH = 0  # none of the below: a sentence that stands on its own, as a story's first paragraph does
    NEW_TOPIC = 1  # "on another note": the writer announces another story
    GENERIC = 2  # "meanwhile": a connective that can go either way
    RELATED = 3  # "in a related context": the story goes on
    REACTION = 4  # "for his part", "and he said": the same story's actors
    CONTINUATION = 5  # و, a linking word or a quotation


def opener(normalized: str) -> Opener:
    """The kind of opening of a normalize()d paragraph (its first words are enough)."""
    if _NEW_TOPIC.match(normalized):
        return Opener.NEW_TOPIC
    if _RELATED.match(normalized):
        return Opener.RELATED
    if _REACTION.match(normalized):
        return Opener.REACTION
    if _GENERIC.match(normalized):
        return Opener.GENERIC
    if _CONTINUATION.match(normalized):
        return Opener.CONTINUATION
    return Opener.FRESH


def opens_new_topic(normalized: str) -> bool:
    """Whether a normalize()d paragraph opens with a phrase that announces another story."""
    return opener(normalized) is Opener.NEW_TOPIC


def opens_as_continuation(normalized: str) -> bool:
    """Whether a normalize()d paragraph attaches to the one before: و, a linking word, a reaction or a quotation."""
    return opener(normalized) in (Opener.RELATED, Opener.REACTION, Opener.CONTINUATION)


def opens_with_fronted_phrase(normalized: str) -> bool:
    """Whether a normalize()d paragraph puts a place or time first, closed by a comma: "وفي دمشق، ..."."""
    return bool(fronted_phrase(normalized))


def fronted_phrase(normalized: str) -> str:
    """The place or time phrase a normalize()d paragraph puts first, comma included ("وفي دمشق،"); "" if none."""
    match = _FRONTED.match(normalized)
    return match.group() if match else ""


def dates_by_weekday(normalized: str) -> bool:
    """Whether a weekday appears in the first words of a normalize()d paragraph, as in a story's first paragraph."""
    return bool(_WEEKDAY.search(" ".join(normalized.split()[:_WEEKDAY_WORDS])))


def attributes_speech(normalized: str) -> bool:
    """Whether a speech verb (قال، أكد، أضاف ...) stands in the first words of a normalize()d paragraph."""
    return bool(_SPEECH.search(" ".join(normalized.split()[:_SPEECH_WORDS])))


def says_also(normalized: str) -> bool:
    """Whether "also"/"as well" (كذلك، أيضا) stands in the first words of a normalize()d paragraph."""
    return bool(_ALSO.search(" ".join(normalized.split()[:_ALSO_WORDS])))


def dateline_length(paragraph: str) -> int:
    """Length of the wire dateline that opens `paragraph` as written (not normalised), dash included; 0 if none.

    A dateline marks a story's first paragraph. It says where and through whom the story was filed, not what it is
    about: stories from one outlet share it ("دبي، الإمارات العربية المتحدة (CNN)--"), so its words are no evidence
    that two paragraphs belong together.
    """
    match = _BRACKETED_DATELINE.match(paragraph) or _PLAIN_DATELINE.match(paragraph)
    return match.end() if match else 0
