"""Recognisers for page-furniture lines: image credits and captions, promotion blocks, related-article links.

Every recogniser takes one line already passed through normalize(); the decisions that depend on the lines
around it (captions after a marker, stand-alone one-word lines, related headlines between paragraphs) live in
clean.py.
"""

from __future__ import annotations

import re

# Furniture is short; a line longer than these limits is article text whatever it starts with.
MAX_CREDIT_WORDS = 10
MAX_CAPTION_WORDS = 40
MAX_RELATED_WORDS = 30
MAX_HEADLINE_WORDS = 12
MAX_PROMO_END_WORDS = 5
MAX_SUBHEADING_WORDS = 10
# A paragraph reads as article text when it is at least this long and ends like a sentence.
MIN_PROSE_WORDS = 8

_IMAGE_CREDIT = re.compile(
    r"^[(©\s]*(?:م?صدر الصوره|حقوق (?:الصوره|النشر|الطبع)|الصوره من\b|تصوير\b|الصوره\s*[:،,]"
    r"|photo(?:graph)?s?\b|image\b|picture\b|credits?\b|copyright\b|©)"
)
_AGENCY_CREDIT = re.compile(r"getty ?images|shutterstock|via getty|\bepa-efe\b|/\s*(?:afp|reuters|ap)\b")
_CAPTION_MARKER = re.compile(r"^(?:ال)?(?:تعليق علي الصوره|شرح الصوره)|^(?:image )?caption\b")
_PROMO_START = re.compile(r"^تخطي\b.{0,80}واصل القراءه\W*$|^skip\b.{0,80}continue reading\W*$")
_PROMO_END = re.compile(r"^نهايه\b|\bنهايه\W*$|^end of\b")
_RELATED_PREFIX = re.compile(
    r"^[*•\-–—\s]*(?:(?:اقرا|اقرئي|شاهد|طالع|تابع)\s+(?:ايضا|المزيد)|قد يهمك|للمزيد\b|المزيد\s*:|ذات صله\b"
    r"|مواضيع (?:ذات صله|مقترحه|قد تهمك)|مقالات ذات صله|read (?:more|also)\b|see also\b|related\b)"
)
# Where a sentence can end; closing quotes and brackets after it are stripped before looking.
_SENTENCE_END = re.compile(r"[.!?؟…:][\"'”’»)\]}›]*$")
_SUBHEADING_END = re.compile(r"[.!?؟\"»:]$")
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
    return word_count(normalized) <= MAX_CAPTION_WORDS and bool(_CAPTION_MARKER.search(normalized))


def is_bare_caption_marker(normalized: str) -> bool:
    """A caption marker with nothing after it on its line, so the caption itself is the next line."""
    return is_caption_marker(normalized) and word_count(normalized) <= 4 and not _has_caption_text(normalized)


def _has_caption_text(normalized: str) -> bool:
    rest = _CAPTION_MARKER.sub("", normalized, count=1)
    return any(char.isalnum() for char in rest)


def is_promo_start(normalized: str) -> bool:
    """The first line of a promotion block, e.g. "تخطى البودكاست وواصل القراءة" (skip X and keep reading)."""
    return bool(_PROMO_START.search(normalized))


def is_promo_end(normalized: str) -> bool:
    """The closing line of a promotion block, e.g. "البودكاست نهاية" or "نهاية البودكاست"."""
    return word_count(normalized) <= MAX_PROMO_END_WORDS and bool(_PROMO_END.search(normalized))


def is_related_link(normalized: str) -> bool:
    """A pointer to another article: "اقرأ أيضا: ...", "قد يهمك ...", "للمزيد: ...", "Read more ..."."""
    return word_count(normalized) <= MAX_RELATED_WORDS and bool(_RELATED_PREFIX.search(normalized))


def is_fragment(line: str) -> bool:
    """A leftover of a few characters: one word (a lone name, "ب-2") or no letters or digits at all."""
    return word_count(line) <= 1 or not any(char.isalnum() for char in line)


def has_final_punctuation(line: str) -> bool:
    """Whether `line` ends with a sentence or clause mark (. ! ? ؟ … : ، , ; ؛), closing quotes aside."""
    return bool(_OPEN_END.search(line))


def reads_as_headline(line: str) -> bool:
    """Short and without final punctuation, as headlines are (related-article links, subheadings)."""
    return 2 <= word_count(line) <= MAX_HEADLINE_WORDS and not has_final_punctuation(line)


def reads_as_subheading(line: str) -> bool:
    """A short line (at most MAX_SUBHEADING_WORDS words) that does not end like a sentence: . ! ? ؟ " » or :."""
    return 0 < word_count(line) <= MAX_SUBHEADING_WORDS and not _SUBHEADING_END.search(line.rstrip())


def reads_as_prose(text: str) -> bool:
    """Long enough and ending like a sentence, as real article paragraphs do."""
    return word_count(text) >= MIN_PROSE_WORDS and bool(_SENTENCE_END.search(text))
