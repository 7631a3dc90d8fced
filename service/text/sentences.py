"""Sentence splitting for Arabic news text (and the Latin it quotes), keeping original offsets."""

from __future__ import annotations

import re

from service.text.spans import Span, line_ranges, trimmed

# A run of terminators plus the closing quotes or brackets that belong to the sentence they end.
_TERMINATOR_RUN = re.compile(r"[.!?؟…]+[\"'”’»)\]}›]*")
_CLOSERS = "\"'”’»)]}›"
_OPENERS = "\"'“‘«([{‹"
_SINGLE_LETTER = re.compile(r"[^\W\d_]")
# U.S, e.g, i.e, ق.م, أ.د: letters joined by dots, the last dot being the one under test.
_DOTTED_INITIALS = re.compile(r"(?:[^\W\d_]\.)+[^\W\d_]")
_LIST_NUMBER = re.compile(r"[0-9٠-٩]{1,2}")

# Lower case, without the final dot. Words that often end a sentence ("etc", "no") are left out on purpose.
_LATIN_ABBREVIATIONS = frozenset(
    {
        "mr", "mrs", "ms", "dr", "prof", "st", "jr", "sr", "vs", "gen", "col", "lt", "sgt", "capt", "gov",
        "sen", "rep", "mt", "inc", "ltd", "co", "corp", "dept", "univ", "fig", "vol", "pp", "approx", "est",
        "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
    }
)  # fmt: skip


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[Span]:
    """Sentences of text[start:end] as spans with absolute offsets into `text`, trimmed, none empty.

    A sentence ends after a run of . ! ? ؟ … (with any closing quote or bracket right after it) and at every
    line break. Commas, semicolons and colons (، ؛ , ; :) never end one; neither do dots inside numbers or
    dotted initials (7.5, U.S, ق.م), dots after abbreviations (Dr., single letters such as "د." or "م."),
    nor a dot run followed by a lowercase Latin word. Every non-whitespace character of the range lies in
    exactly one span.
    """
    sentences: list[Span] = []
    for line_start, line_end in line_ranges(text, start, end):
        piece_start = line_start
        for run in _TERMINATOR_RUN.finditer(text, line_start, line_end):
            if _ends_sentence(text, piece_start, run, line_end):
                _append(sentences, trimmed(text, piece_start, run.end()))
                piece_start = run.end()
        _append(sentences, trimmed(text, piece_start, line_end))
    return sentences


def _append(sentences: list[Span], span: Span | None) -> None:
    if span is not None:
        sentences.append(span)


def _ends_sentence(text: str, piece_start: int, run: re.Match[str], line_end: int) -> bool:
    """Whether the terminator run ends the sentence that began at piece_start."""
    before = text[piece_start : run.start()]
    if not any(char.isalnum() for char in before):
        return False
    marks = run.group().rstrip(_CLOSERS)
    if set(marks) - {".", "…"}:
        return True
    following = text[run.end() : line_end].lstrip()
    if following and following[0].isascii() and following[0].islower():
        return False
    if marks != ".":
        return True
    if run.end() < line_end and text[run.end()].isalnum():
        return False
    if _LIST_NUMBER.fullmatch(before.strip()):
        return False
    return not _is_abbreviation(_last_token(before))


def _last_token(before: str) -> str:
    stripped = before.rstrip()
    if len(stripped) != len(before):
        return ""
    token = stripped.rsplit(maxsplit=1)[-1] if stripped else ""
    return token.lstrip(_OPENERS)


def _is_abbreviation(token: str) -> bool:
    if token.casefold() in _LATIN_ABBREVIATIONS:
        return True
    return bool(_SINGLE_LETTER.fullmatch(token) or _DOTTED_INITIALS.fullmatch(token))
