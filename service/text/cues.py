"""How a paragraph opens: phrases that start a new story, wire datelines, and openers that continue one.

Phrase patterns match the start of a paragraph after normalize(), datelines the paragraph as written. Arabic news
convention is that a story's first paragraph opens on its own ("أعلنت الوزارة ...") while later ones attach with
و or a linking phrase ("كما ...").
"""

from __future__ import annotations

import re

# "On another note" and friends, with an optional conjunction in front: the writer says a new story begins.
_NEW_TOPIC = re.compile(
    r"^[وف]?(?:من جانب اخر|من جهه اخري|من ناحيه اخري|من جهه ثانيه|علي صعيد (?:اخر|منفصل)"
    r"|في (?:سياق|تطور|شان|خبر|موضوع|ملف) (?:اخر|منفصل)|الي ذلك|بعيدا عن ذلك)\b"
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
# "جاء ذلك" (this came ...), "يأتي ذلك" (this comes ...): a demonstrative that points back at the paragraph before.
_CONTINUATION = re.compile(
    r"^(?:[\"'«“(]|(?!" + _WAW_ROOTS + r")و\S|(?:جاء|ياتي|تاتي) (?:ذلك|هذا|هذه)\b"
    r"|(?:كما|لكن|لكنه|لكنها|اما|الا|غير ان|بدوره|بدورها|كذلك|بينما|في حين|حيث|اذ|ثم"
    r"|من جهته|من جهتها|من جانبه|من جانبها|في المقابل|بالمقابل|يذكر|يشار|جدير|هذا|في الوقت نفسه"
    r"|في هذا|بعد ذلك|في غضون ذلك|علما|مع ذلك|رغم ذلك)\b)"
)


def opens_new_topic(normalized: str) -> bool:
    """Whether a normalize()d paragraph opens with a phrase that announces another story."""
    return bool(_NEW_TOPIC.match(normalized))


def dateline_length(paragraph: str) -> int:
    """Length of the wire dateline that opens `paragraph` as written (not normalised), dash included; 0 if none.

    A dateline marks a story's first paragraph. It says where and through whom the story was filed, not what it is
    about: stories from one outlet share it ("دبي، الإمارات العربية المتحدة (CNN)--"), so its words are no evidence
    that two paragraphs belong together.
    """
    match = _BRACKETED_DATELINE.match(paragraph) or _PLAIN_DATELINE.match(paragraph)
    return match.end() if match else 0


def opens_as_continuation(normalized: str) -> bool:
    """Whether a normalize()d paragraph attaches to the one before: و, a linking word, or a quotation."""
    return bool(_CONTINUATION.match(normalized)) and not opens_new_topic(normalized)
