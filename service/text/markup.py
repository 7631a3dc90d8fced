"""HTML as markup and text: translate the text, keep every byte of the markup as it came.

The input is cut into pieces that together are exactly the input: markup (tags, comments, declarations, and the
content of script and style elements, which is not text) and text runs between them. Text runs are unescaped to
get what a reader sees, translated, and escaped again, so a translation can never add markup and escaped text in
the input (`&lt;script&gt;`) stays text. Nothing is executed or rendered; pure Python, no torch.
"""

import html
from dataclasses import dataclass
from html.parser import HTMLParser
from itertools import accumulate

# Elements whose content is code or styling, not words to translate.
_RAW_TEXT = frozenset({"script", "style"})


@dataclass(frozen=True)
class Piece:
    """`source[start:end]` of the HTML; `text` is True for a run of character data between markup."""

    start: int
    end: int
    text: bool


class _Cutter(HTMLParser):
    """Records where each token the parser reports starts, and whether it is character data to translate."""

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        # The parser counts lines by "\n" alone; so must the offsets made from its positions.
        self.line_starts = [0, *accumulate(len(line) for line in source.split("\n"))]
        self.line_starts = [start + index for index, start in enumerate(self.line_starts)]
        self.starts: list[tuple[int, bool]] = []
        self.raw_element: str | None = None

    def _mark(self, text: bool) -> None:
        line, column = self.getpos()
        self.starts.append((self.line_starts[line - 1] + column, text))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._mark(False)
        if tag in _RAW_TEXT:
            self.raw_element = tag

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._mark(False)

    def handle_endtag(self, tag: str) -> None:
        self._mark(False)
        if tag == self.raw_element:
            self.raw_element = None

    def handle_data(self, data: str) -> None:
        self._mark(self.raw_element is None)

    def handle_comment(self, data: str) -> None:
        self._mark(False)

    def handle_decl(self, decl: str) -> None:
        self._mark(False)

    def handle_pi(self, data: str) -> None:
        self._mark(False)

    def unknown_decl(self, data: str) -> None:
        self._mark(False)


def cut(source: str) -> list[Piece]:
    """`source` as consecutive pieces of markup and text; their spans cover it exactly, in order."""
    cutter = _Cutter(source)
    cutter.feed(source)
    cutter.close()
    starts = sorted(set(cutter.starts))
    if not starts or starts[0][0] != 0:
        starts.insert(0, (0, False))  # text before the first token the parser reported is kept, untranslated
    pieces: list[Piece] = []
    for (start, text), (end, _) in zip(starts, [*starts[1:], (len(source), False)], strict=True):
        if start == end:
            continue
        if pieces and pieces[-1].text and text:  # the parser may report one run of text in several calls
            pieces[-1] = Piece(pieces[-1].start, end, True)
        else:
            pieces.append(Piece(start, end, text))
    return pieces


def texts_of(source: str, pieces: list[Piece]) -> list[str]:
    """The text runs of `source` that hold words, unescaped and stripped: what to translate, in order."""
    runs = [html.unescape(source[p.start : p.end]) for p in pieces if p.text]
    return [run.strip() for run in runs if run.strip()]


def reassemble(source: str, pieces: list[Piece], translations: list[str]) -> str:
    """`source` with each text run that `texts_of` returned replaced by its translation, escaped, keeping the
    run's leading and trailing whitespace; markup and blank runs are copied unchanged."""
    replacements = iter(translations)
    out: list[str] = []
    for piece in pieces:
        raw = source[piece.start : piece.end]
        seen = html.unescape(raw)
        if not piece.text or not seen.strip():
            out.append(raw)
            continue
        leading = seen[: len(seen) - len(seen.lstrip())]
        trailing = seen[len(seen.rstrip()) :]
        out.append(html.escape(leading + next(replacements) + trailing, quote=False))
    return "".join(out)
