"""Separate a scraped article into its title, its paragraphs and the page furniture around them."""

from __future__ import annotations

from dataclasses import dataclass

from service.text import furniture
from service.text.normalize import normalize
from service.text.spans import Span, trimmed_lines

MAX_TITLE_WORDS = 20
# How far (in non-blank lines) a promotion block may run before its closing line; past that the start line is
# removed alone, so an unclosed marker can never swallow the rest of the article.
_MAX_PROMO_LINES = 30


@dataclass(frozen=True, slots=True)
class CleanedText:
    """An article split into title, paragraphs and removed furniture; all spans index `source` unchanged.

    `title` is the first non-blank line when it reads as a headline: 2 to MAX_TITLE_WORDS words, no final
    punctuation, not furniture, and more text after it. `removed` lists whole trimmed lines in text order.
    """

    source: str
    title: Span | None
    paragraphs: list[Span]
    removed: list[Span]


@dataclass(frozen=True, slots=True)
class _Lines:
    spans: list[Span | None]  # None for a blank line
    normalized: list[str]
    blocks: list[list[int]]  # indices of the lines of each paragraph-like block, in order

    def text(self, index: int) -> str:
        span = self.spans[index]
        return "" if span is None else span.text

    def present(self) -> list[int]:
        return [index for index, span in enumerate(self.spans) if span is not None]


def clean(text: str) -> CleanedText:
    """Find the title, the article paragraphs and the furniture lines of `text`.

    Every non-whitespace character of `text` is in exactly one of: the title, a paragraph, a removed line.
    A paragraph is a maximal run of non-blank lines that are neither title nor furniture; when the text has
    no blank lines between its lines, each line is a paragraph. If removing furniture would leave no
    paragraph at all, nothing is removed (the whole text is taken as the article).
    """
    lines = _scan(text)
    title = _title_index(lines)
    removed = _furniture_lines(lines, title)
    paragraphs = _paragraphs(text, lines, title, removed)
    if not paragraphs and removed:
        removed = set()
        paragraphs = _paragraphs(text, lines, title, removed)
    return CleanedText(
        source=text,
        title=None if title is None else lines.spans[title],
        paragraphs=paragraphs,
        removed=[span for index in sorted(removed) if (span := lines.spans[index]) is not None],
    )


def _scan(text: str) -> _Lines:
    spans = trimmed_lines(text)
    normalized = [normalize(span.text) if span is not None else "" for span in spans]
    blocks: list[list[int]] = []
    previous_blank = True
    for index, span in enumerate(spans):
        if span is None:
            previous_blank = True
            continue
        if previous_blank:
            blocks.append([])
        blocks[-1].append(index)
        previous_blank = False
    if len(blocks) == 1:
        blocks = [[index] for index in blocks[0]]
    return _Lines(spans, normalized, blocks)


def _title_index(lines: _Lines) -> int | None:
    """The first line when it reads as a headline and more text follows it."""
    present = lines.present()
    if len(present) < 2:
        return None
    first = present[0]
    line = lines.text(first)
    if (
        furniture.is_fragment(line)
        or furniture.word_count(line) > MAX_TITLE_WORDS
        or furniture.has_final_punctuation(line)
        or _is_marked_furniture(lines.normalized[first])
    ):
        return None
    return first


def _is_marked_furniture(normalized: str) -> bool:
    return (
        furniture.is_image_credit(normalized)
        or furniture.is_caption_marker(normalized)
        or furniture.is_promo_start(normalized)
        or furniture.is_related_link(normalized)
    )


def _furniture_lines(lines: _Lines, title: int | None) -> set[int]:
    """Indices of furniture lines: those marked by their own wording, then those marked by their place."""
    removed = _marked_lines(lines, title)
    alone = [block[0] for block in lines.blocks if len(block) == 1 and block[0] != title]
    removed.update(index for index in alone if furniture.is_fragment(lines.text(index)))
    removed |= _related_headlines(lines, title, removed, alone)
    return removed


def _marked_lines(lines: _Lines, title: int | None) -> set[int]:
    removed: set[int] = set()
    present = [index for index in lines.present() if index != title]
    position = 0
    while position < len(present):
        index = present[position]
        normalized = lines.normalized[index]
        if furniture.is_promo_start(normalized):
            closing = _promo_end(lines, present, position)
            removed.update(present[position : closing + 1])
            position = closing + 1
            continue
        if furniture.is_bare_caption_marker(normalized) and position + 1 < len(present):
            caption = present[position + 1]
            if furniture.word_count(lines.normalized[caption]) <= furniture.MAX_CAPTION_WORDS:
                removed.update((index, caption))
                position += 2
                continue
        if _is_marked_furniture(normalized):
            removed.add(index)
        position += 1
    return removed


def _promo_end(lines: _Lines, present: list[int], start: int) -> int:
    """Position in `present` of the line that closes the promotion opened at `start` (itself if none)."""
    for position in range(start + 1, min(start + 1 + _MAX_PROMO_LINES, len(present))):
        if furniture.is_promo_end(lines.normalized[present[position]]):
            return position
    return start


def _related_headlines(lines: _Lines, title: int | None, removed: set[int], alone: list[int]) -> set[int]:
    """Stand-alone headline-like lines with prose on both sides: links to other stories, subheadings."""
    candidates = {index for index in alone if furniture.reads_as_headline(lines.text(index))} - removed
    prose: list[bool | None] = []  # per block: None when it holds no kept text or is itself a candidate
    for block in lines.blocks:
        kept = [lines.text(index) for index in block if index not in removed and index != title]
        is_candidate = len(block) == 1 and block[0] in candidates
        prose.append(None if not kept or is_candidate else furniture.reads_as_prose(" ".join(kept)))
    headlines: set[int] = set()
    for position, block in enumerate(lines.blocks):
        if len(block) != 1 or block[0] not in candidates:
            continue
        before = next((flag for flag in reversed(prose[:position]) if flag is not None), False)
        after = next((flag for flag in prose[position + 1 :] if flag is not None), False)
        if before and after:
            headlines.add(block[0])
    return headlines


def _paragraphs(text: str, lines: _Lines, title: int | None, removed: set[int]) -> list[Span]:
    paragraphs: list[Span] = []
    for block in lines.blocks:
        run: list[int] = []
        for index in [*block, -1]:
            if index >= 0 and index != title and index not in removed:
                run.append(index)
                continue
            if run:
                first, last = lines.spans[run[0]], lines.spans[run[-1]]
                assert first is not None and last is not None
                paragraphs.append(Span(first.start, last.end, text[first.start : last.end]))
                run = []
    return paragraphs
