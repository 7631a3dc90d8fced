"""Character spans into an unchanged source text, and the line scanning shared by the text modules."""

from __future__ import annotations

import re
from dataclasses import dataclass

# The same set of line boundaries as str.splitlines, so offsets agree with what a reader sees as lines.
_LINE_BREAK = re.compile(r"\r\n|[\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")


@dataclass(frozen=True, slots=True)
class Span:
    """A piece of the original text: `text == original[start:end]`, offsets in characters."""

    start: int
    end: int
    text: str


def trimmed(text: str, start: int, end: int) -> Span | None:
    """The span of text[start:end] with surrounding whitespace dropped, or None when nothing is left."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start == end:
        return None
    return Span(start, end, text[start:end])


def line_ranges(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """(start, end) of every line of text[start:end], line breaks excluded; absolute offsets into `text`.

    Lines are cut at the same breaks as str.splitlines; an empty range gives no lines.
    """
    stop = len(text) if end is None else end
    ranges: list[tuple[int, int]] = []
    position = start
    for match in _LINE_BREAK.finditer(text, start, stop):
        ranges.append((position, match.start()))
        position = match.end()
    if position < stop:
        ranges.append((position, stop))
    return ranges


def trimmed_lines(text: str) -> list[Span | None]:
    """Every line of `text` in order, trimmed; None stands for a blank line (whitespace only)."""
    return [trimmed(text, line_start, line_end) for line_start, line_end in line_ranges(text)]
