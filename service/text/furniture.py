"""Recognisers for page furniture: image credits and captions, promotion blocks, related-article links, app
notices, source credits and disclaimers, and the shapes of headlines, subheadings and teaser ledes.

The is_* recognisers take one line already passed through normalize(); the reads_as_* ones take a line or
paragraph as written. Decisions that depend on the lines around it (captions after a marker, runs of related
headlines, the teaser block that closes a page) live in clean.py.
"""

from __future__ import annotations

import re

from service.text import cues
from service.text.normalize import normalize
from service.text.sentences import split_sentences

# Furniture is short; a line longer than these limits is article text whatever it starts with.
MAX_CREDIT_WORDS = 10
MAX_CAPTION_WORDS = 40
MAX_RELATED_WORDS = 30
MAX_HEADLINE_WORDS = 12
MAX_PROMO_END_WORDS = 5
MAX_NOTICE_WORDS = 30
MAX_ABOUT_WORDS = 5
# A paragraph reads as article text when it is at least this long and ends like a sentence.
MIN_PROSE_WORDS = 8

_IMAGE_CREDIT = re.compile(
    r"^[(©\s]*(?:م?صدر الصوره|حقوق (?:الصوره|النشر|الطبع)|الصوره من\b|تصوير\b|الصوره\s*[:،,]"
    r"|photo(?:graph)?s?\b|image\b|picture\b|credits?\b|copyright\b|©)"
)
_AGENCY_CREDIT = re.compile(
    r"getty ?images|shutterstock|via getty|\bepa-efe\b|/\s*(?:afp|reuters|ap)\b|/\s*(?:ا ف ب|رويترز|د ب ا)\W*$"
)
_CAPTION_MARKER = re.compile(r"^(?:ال)?(?:تعليق علي الصوره|شرح الصوره)|^(?:image )?caption\b")
_PROMO_START = re.compile(r"^تخطي\b.{0,80}واصل القراءه\W*$|^skip\b.{0,80}continue reading\W*$")
_PROMO_END = re.compile(r"^نهايه\b|\bنهايه\W*$|^end of\b")
_RELATED_PREFIX = re.compile(
    r"^[*•\-–—\s]*(?:(?:اقرا|اقرئي|شاهد|طالع|تابع|انظر)\s*(?:ايضا|كذلك|المزيد)\b|اقر\s+ايضا\s*[:.…]"
    r"|(?:اقرا|اقر|اقرئي|شاهد|طالع|انظر)\s*(?:\.{2,}|…|:)|قد يهمك|للمزيد\b|لمزيد من\s+\S+\s*:|المزيد\s*:"
    r"|ذات صله\b|(?:بالفيديو|فيديو|بالصور)\s*:"
    r"|.{0,60}?\b(?:اضغط|اضغطوا|انقر|انقروا)\s+(?:هنا|علي (?:الرابط|العنوان|الصوره))"
    r"|مواضيع (?:ذات صله|مقترحه|قد تهمك)|مقالات ذات صله|read (?:more|also)\b|see also\b|related\b)"
)
# Addressed to readers (in the plural, as an outlet speaks to its audience) about its app, alerts or channels:
# "you can receive alerts after downloading our app", "follow us on ...".
_APP_NOTICE = re.compile(
    r"^[*•\-–—\s]*(?:تابعونا\b|follow us\b"
    r"|(?:يمكنكم|بامكانكم|حملوا|نزلوا|اشتركوا|ليصلكم|لتصلكم|لتلقي|download|subscribe)\b"
    r".{0,200}(?:\bتطبيق|\bالتطبيق|اشعارات|تنبيهات|نشرتنا|قناتنا|صفحتنا|حسابنا|حساباتنا"
    r"|\bapps?\b|notifications|newsletter))"
)
# A line of nothing but marks: "-----", "_____", "* * *", "ــــــ" (tatweel, which normalize() drops).
# A line that normalizes to nothing at all (tatweel or invisible marks only) is one too.
_SEPARATOR = re.compile(r"^(?:[\W_]{3,})?$")
# "* نقلا عن ..." (reprinted from), "المصدر: ..." (source), "بقلم ..." (by ...): who wrote a piece or where it
# was first published.
_SOURCE_CREDIT = re.compile(r"^[*•\-–—\s]*(?:نقلا عن|نقلا من|المصدر\s*:|source\s*:|(?:\S+\s+)?بقلم\b|by\s)")
# "Published articles represent their writers' views only", "... does not necessarily reflect ...", "this
# article is published in cooperation with ...", "this article is by ..., the views below are the writer's".
_DISCLAIMER = re.compile(
    r"(?:المقالات|المقال|الاراء|المواد|التعليقات)\s+(?:المنشوره\s+)?(?:\S+\s+){0,2}(?:تمثل|تعبر عن|يعبر عن|يمثل)"
    r"\s+(?:راي|اراء|وجهه نظر)\s+(?:كتابها|كاتبها|اصحابها|صاحبها|الكاتب|الكاتبه|الكتاب)"
    r"|(?:لا|ولا)\s+(?:تعبر|يعبر|تمثل|يمثل|تعكس|يعكس)\s+(?:بالضروره\s+)?(?:عن\s+)?(?:راي|موقف|سياسه|وجهه نظر)\s+"
    r"(?:الموقع|الصحيفه|القناه|الشبكه|المؤسسه|[a-z0-9]+\b)"
    r"|do(?:es)? not necessarily (?:reflect|represent)"
    r"|^[*•\-–—\s]*(?:هذا|هذ|هذه) (?:المقال|الماده|التقرير|المحتوي) (?:منشور|ينشر|نشر|مقدم|برعايه|بالتعاون|بقلم)"
    r"|^[*•\-–—\s]*(?:نشر|ينشر|تنشر) (?:هذا|هذه) (?:المقال|الماده|التقرير|المحتوي) (?:بالتعاون|برعايه)"
)
# The heading of a press release's company footer: "حول <company>:", "نبذة عن <company>:", "About <company>:".
_ABOUT_HEADER = re.compile(r"^(?:حول|عن|نبذه عن|نبذه حول|about)\s+\S.*:$")
# Where a sentence can end; closing quotes and brackets after it are stripped before looking.
_SENTENCE_END = re.compile(r"[.!?؟…:][\"'”’»)\]}›]*$")
_QUESTION_END = re.compile(r"[?؟][\"'”’»)\]}›]*$")
_OPEN_END = re.compile(r"[.!?؟…:،,;؛][\"'”’»)\]}›]*$")


def word_count(line: str) -> int:
    """Whitespace-separated words in `line`."""
    return len(line.split())


def is_image_credit(normalized: str) -> bool:
    """An image credit line such as "صدر الصورة، AFP", "حقوق الصورة" or "Getty Images"."""
    if word_count(normalized) > MAX_CREDIT_WORDS:
        return False
    return bool(_IMAGE_CREDIT.search(normalized) or _AGENCY_CREDIT.search(normalized))


def is_caption_marker(normalized: str) -> bool:
    """A caption marker such as "التعليق على الصورة،", alone or followed by its caption on the same line."""
    return bool(_CAPTION_MARKER.search(normalized)) and word_count(normalized) <= MAX_CAPTION_WORDS


def is_bare_caption_marker(normalized: str) -> bool:
    """A caption marker with nothing after it on its line, so the caption itself is the next line."""
    return is_caption_marker(normalized) and word_count(normalized) <= 4 and not _has_caption_text(normalized)


def _has_caption_text(normalized: str) -> bool:
    rest = _CAPTION_MARKER.sub("", normalized, count=1)
    return any(char.isalnum() for char in rest)


def is_link_prompt(normalized: str) -> bool:
    """A related-article pointer that ends in a colon: the headline it points to is the next line."""
    return is_related_link(normalized) and normalized.rstrip().endswith(":")


def is_promo_start(normalized: str) -> bool:
    """The first line of a promotion block, e.g. "تخطى البودكاست وواصل القراءة" (skip X and keep reading)."""
    return bool(_PROMO_START.search(normalized))


def is_promo_end(normalized: str) -> bool:
    """The closing line of a promotion block, e.g. "البودكاست نهاية" or "نهاية البودكاست"."""
    return word_count(normalized) <= MAX_PROMO_END_WORDS and bool(_PROMO_END.search(normalized))


def is_related_link(normalized: str) -> bool:
    """A pointer to another article: "اقرأ أيضا: ...", "قد يهمك ...", "للمزيد: ...", "Read more ...", "اضغط هنا"."""
    return bool(_RELATED_PREFIX.search(normalized)) and word_count(normalized) <= MAX_RELATED_WORDS


def is_separator(normalized: str) -> bool:
    """A separator line of three or more marks and no letters or digits: "-----", "* * *", "ــــــ".

    Takes a non-blank line after normalize(): one that normalizes to nothing is a separator too.
    """
    return bool(_SEPARATOR.match(normalized))


def is_app_notice(normalized: str) -> bool:
    """A notice to readers about the outlet's app, alerts or channels: "يمكنكم استلام إشعارات ... تطبيق"."""
    return bool(_APP_NOTICE.search(normalized)) and word_count(normalized) <= MAX_NOTICE_WORDS


def is_source_credit(normalized: str) -> bool:
    """Who wrote a piece or where it first ran: "* نقلا عن ...", "المصدر: ...", "بقلم ..."."""
    return bool(_SOURCE_CREDIT.search(normalized)) and word_count(normalized) <= MAX_CREDIT_WORDS


def is_disclaimer(normalized: str) -> bool:
    """An opinion or sponsorship notice: "جميع المقالات المنشورة تمثل رأي كتابها فقط" and the like."""
    return word_count(normalized) <= MAX_NOTICE_WORDS and bool(_DISCLAIMER.search(normalized))


def is_about_header(normalized: str) -> bool:
    """The line that opens a press release's company footer: "حول <company>:", "About <company>:"."""
    return bool(_ABOUT_HEADER.search(normalized)) and word_count(normalized) <= MAX_ABOUT_WORDS


def is_fragment(line: str) -> bool:
    """A leftover of a few characters: one word (a lone name, "ب-2") or no letters or digits at all."""
    return word_count(line) <= 1 or not any(char.isalnum() for char in line)


def has_final_punctuation(line: str) -> bool:
    """Whether `line` ends with a sentence or clause mark (. ! ? ؟ … : ، , ; ؛), closing quotes aside."""
    return bool(_OPEN_END.search(line))


def reads_as_subheading(line: str) -> bool:
    """Shaped like a subheading: one short line with letters, ending without punctuation or as a question.

    Shape only: whether a line is a subheading also depends on its place (alone, with prose after it), which
    clean() decides and reports in CleanedText.headings.
    """
    if "\n" in line or word_count(line) > MAX_HEADLINE_WORDS or not any(char.isalpha() for char in line):
        return False
    if not has_final_punctuation(line):
        return True
    # A question heads what answers it ("ماذا قال الوزير؟"), unless it carries on a paragraph ("وأضاف ...؟").
    return ends_as_question(line) and not cues.opens_as_continuation(normalize(line))


def ends_as_question(line: str) -> bool:
    """Whether `line` ends with a question mark (? or ؟), closing quotes and brackets aside."""
    return bool(_QUESTION_END.search(line))


def reads_as_lede(paragraph: str, dated: bool = False) -> bool:
    """Shaped like the opening sentence of another story: one sentence, longer than a headline, opening on its own.

    It does not attach to what comes before (no و, no linking word, no "on another note" phrase), carries no
    wire dateline (which opens a story of this article) unless `dated` (then it must carry one, and the rest is
    read without it), and holds a single sentence, possibly cut off without its final stop, as teaser lines are.
    """
    dateline = cues.dateline_length(paragraph[: cues.OPENING_CHARS])
    if bool(dateline) != dated:
        return False
    paragraph = paragraph[dateline:].lstrip(" -–—")
    opening = paragraph[: cues.OPENING_CHARS]
    if word_count(paragraph) <= MAX_HEADLINE_WORDS or "\n" in paragraph:
        return False
    opening = normalize(opening)
    if cues.opens_as_continuation(opening) or cues.opens_new_topic(opening):
        return False
    sentences = split_sentences(paragraph)
    finished = bool(_SENTENCE_END.search(paragraph))
    return len(sentences) == 1 or (len(sentences) == 2 and not finished)


def reads_as_prose(text: str) -> bool:
    """Long enough and ending like a sentence, as real article paragraphs do."""
    return word_count(text) >= MIN_PROSE_WORDS and bool(_SENTENCE_END.search(text))
