"""Separate a scraped article into its title, its paragraphs and the page furniture around them."""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field, replace

from service.text import furniture, layout, stray
from service.text.layout import Lines
from service.text.spans import Span

MAX_TITLE_WORDS = 20
# How far (in non-blank lines) a promotion block may run before its closing line; past that the start line is
# removed alone, so an unclosed marker can never swallow the rest of the article.
_MAX_PROMO_LINES = 30


@dataclass(frozen=True, slots=True)
class CleanedText:
    """An article split into title, paragraphs and removed furniture; all spans index `source` unchanged.

    `title` is the first non-blank line when it reads as a headline: 2 to MAX_TITLE_WORDS words, no final
    punctuation, not furniture, and more text after it. `removed` lists whole trimmed lines in text order.
    `headings` lists the paragraphs that are subheadings, in order: each is also in `paragraphs` (article text,
    never removed), is one short line shaped like a headline (furniture.reads_as_subheading) and comes right
    before a prose paragraph, which it introduces.
    """

    source: str
    title: Span | None
    paragraphs: list[Span]
    removed: list[Span]
    headings: list[Span] = field(default_factory=list)

    def headings_before(self) -> dict[int, list[Span]]:
        """The subheadings right before each paragraph that is not one, keyed by that paragraph's start."""
        starts = {span.start for span in self.headings}
        before: dict[int, list[Span]] = {}
        waiting: list[Span] = []
        for span in self.paragraphs:
            if span.start in starts:
                waiting.append(span)
            elif waiting:
                before[span.start], waiting = waiting, []
        return before

    def headings_aside(self) -> CleanedText:
        """This text with its subheadings counted among the removed lines instead of the paragraphs."""
        if not self.headings:
            return self
        starts = {span.start for span in self.headings}
        paragraphs = [span for span in self.paragraphs if span.start not in starts]
        removed = sorted([*self.removed, *self.headings], key=lambda span: span.start)
        return replace(self, paragraphs=paragraphs, removed=removed, headings=[])


def clean(text: str, stray_model: stray.StrayModel | None = None) -> CleanedText:
    """Find the title, the article paragraphs and the furniture lines of `text`.

    clean_by_rules(), then the stray headlines (stray.py) among its paragraphs moved to the removed lines;
    `stray_model` None is the committed one.
    """
    cleaned = clean_by_rules(text)
    found = set(stray.stray_lines(stray_view(cleaned), stray_model))
    if not found:
        return cleaned
    strays = [span for index, span in enumerate(cleaned.paragraphs) if index in found]
    paragraphs = [span for index, span in enumerate(cleaned.paragraphs) if index not in found]
    removed = sorted([*cleaned.removed, *strays], key=lambda span: span.start)
    return replace(cleaned, paragraphs=paragraphs, removed=removed, headings=_headings(paragraphs))


def stray_view(cleaned: CleanedText) -> stray.Line:
    """What stray.stray_lines() reads of a text cleaned by rules: paragraphs, title and the furniture around each."""
    paragraphs = cleaned.paragraphs
    # Where the gap after each paragraph stops: the next paragraph, or past the end of the text after the last one.
    stops = [paragraph.start for paragraph in paragraphs[1:]] + [len(cleaned.source) + 1] * bool(paragraphs)
    # Removed lines come in text order and never overlap a paragraph: one lies in a gap exactly when it starts there.
    starts = [span.start for span in cleaned.removed]
    after = [
        bisect_left(starts, stop) > bisect_left(starts, paragraph.end)
        for paragraph, stop in zip(paragraphs, stops, strict=True)
    ]
    return stray.Line(
        paragraphs=[paragraph.text for paragraph in paragraphs],
        title=None if cleaned.title is None else cleaned.title.text,
        furniture_before=[index > 0 and after[index - 1] for index in range(len(after))],
        furniture_after=after,
    )


def clean_by_rules(text: str) -> CleanedText:
    """Find the title, the article paragraphs and the furniture lines of `text` by their wording and place alone.

    Every non-whitespace character of `text` is in exactly one of: the title, a paragraph, a removed line.
    A paragraph is a maximal run of non-blank lines that are neither title nor furniture; when the text has
    no blank lines between its lines, each line is a paragraph. If removing furniture would leave no
    paragraph at all, nothing is removed (the whole text is taken as the article). An article paragraph is
    removed only on strong evidence: a lone headline-like line between paragraphs is kept as a subheading
    and listed in `headings`.
    """
    lines = layout.scan(text)
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
        headings=_headings(paragraphs),
    )


def _headings(paragraphs: list[Span]) -> list[Span]:
    """Paragraphs of one short headline-shaped line that come right before a prose paragraph."""
    return [
        span
        for span, after in zip(paragraphs, paragraphs[1:], strict=False)
        if furniture.reads_as_subheading(span.text) and furniture.reads_as_prose(after.text)
    ]


def _title_index(lines: Lines) -> int | None:
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
        or furniture.is_separator(normalized)
        or furniture.is_app_notice(normalized)
        or furniture.is_source_credit(normalized)
        or furniture.is_disclaimer(normalized)
    )


def _furniture_lines(lines: Lines, title: int | None) -> set[int]:
    """Indices of furniture lines: those marked by their own wording, then those marked by their place."""
    removed = _marked_lines(lines, title)
    accounted = set() if title is None else {title}
    for find in (layout.fragments, layout.teaser_block, layout.about_footer, layout.related_headlines):
        removed |= find(lines, accounted | removed)
    return removed


def _marked_lines(lines: Lines, title: int | None) -> set[int]:
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
        if furniture.is_link_prompt(normalized) and position + 1 < len(present):
            target = present[position + 1]
            if furniture.reads_as_subheading(lines.text(target)):
                removed.update((index, target))
                position += 2
                continue
        if _is_marked_furniture(normalized):
            removed.add(index)
        position += 1
    return removed


def _promo_end(lines: Lines, present: list[int], start: int) -> int:
    """Position in `present` of the line that closes the promotion opened at `start` (itself if none)."""
    for position in range(start + 1, min(start + 1 + _MAX_PROMO_LINES, len(present))):
        if furniture.is_promo_end(lines.normalized[present[position]]):
            return position
    return start


def _paragraphs(text: str, lines: Lines, title: int | None, removed: set[int]) -> list[Span]:
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
