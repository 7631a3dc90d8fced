"""Page furniture found by its place on the page: stray fragments, runs of related headlines, the teaser block
that closes some pages, and a press release's company footer.

A scraped page is read as lines grouped in blocks (runs of non-blank lines). Each finder takes the lines and
`taken`, the indices of lines already accounted for (the title, furniture found so far), and returns the indices
of the furniture lines it finds, never one of `taken`. Arabic news convention is the evidence throughout: an
article's paragraphs attach to each other (و, linking words) and a subheading introduces the paragraph after it,
while furniture stands apart from the article around it.
"""

from __future__ import annotations

from dataclasses import dataclass

from service.text import cues, furniture, rarity
from service.text.lexicon import content_words
from service.text.normalize import normalize
from service.text.spans import Span, trimmed_lines

# A page's closing teaser block shows several other stories (five on the pages seen). Few articles end with
# three or more one-sentence paragraphs of their own, and those carry the article's names (see teaser_block).
MIN_TEASERS = 3
# News ledes date their event by weekday ("أعلن ...، الإثنين، ..."); a run with this many such paragraphs reads
# as other stories' ledes even when they share the article's names (teasers of related stories do).
MIN_DATED_TEASERS = 2
# A longer run of one-sentence paragraphs is a text made of them (a list of briefs), not a page's teaser block.
MAX_TEASERS = 10
# A company footer is a sentence or two, for one or two companies; past that an "About ...:" line is something else.
MAX_ABOUT_PARAGRAPHS = 2
MAX_ABOUT_FOOTERS = 2
# A footer paragraph names its company in its first words: "<company> is ...", "Founded in 1990, <company> ...".
_SUBJECT_WORDS = 4


@dataclass(frozen=True, slots=True)
class Lines:
    """The trimmed lines of a text, their normalize()d forms, and the blocks they form."""

    spans: list[Span | None]  # None for a blank line
    normalized: list[str]
    blocks: list[list[int]]  # indices of the lines of each paragraph-like block, in order

    def text(self, index: int) -> str:
        span = self.spans[index]
        return "" if span is None else span.text

    def present(self) -> list[int]:
        return [index for index, span in enumerate(self.spans) if span is not None]

    def kept(self, block: list[int], taken: set[int]) -> list[int]:
        return [index for index in block if index not in taken]

    def lone_line(self, block: list[int], taken: set[int]) -> int | None:
        """The one line a block keeps, or None when it keeps none or several."""
        kept = self.kept(block, taken)
        return kept[0] if len(kept) == 1 else None


def scan(text: str) -> Lines:
    """The lines of `text` in blocks; when the text has no blank line at all, each line is its own block."""
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
    return Lines(spans, normalized, blocks)


def fragments(lines: Lines, taken: set[int]) -> set[int]:
    """Stand-alone leftovers of one word or of symbols only, unless the word heads the paragraph right after it."""
    found: set[int] = set()
    excluded = set(taken)  # taken and found so far, kept as one set so that each line costs O(1)
    for position, block in enumerate(lines.blocks):
        if len(block) != 1 or block[0] in excluded:
            continue
        line = lines.text(block[0])
        if furniture.is_fragment(line) and not _introduces(lines, line, position + 1, excluded):
            found.add(block[0])
            excluded.add(block[0])
    return found


def _introduces(lines: Lines, line: str, position: int, taken: set[int]) -> bool:
    """Whether `line` heads block `position`: that block is prose and repeats one of its content words."""
    if position >= len(lines.blocks) or not furniture.reads_as_subheading(line):
        return False
    following = " ".join(lines.text(index) for index in lines.kept(lines.blocks[position], taken))
    if not furniture.reads_as_prose(following):
        return False
    stems = {word.stem for word in content_words(line)}
    return not stems.isdisjoint(word.stem for word in content_words(following))


def teaser_block(lines: Lines, taken: set[int]) -> set[int]:
    """The trailing run of other stories' ledes that some pages close with, and any headline just above it.

    Evidence: MIN_TEASERS to MAX_TEASERS paragraphs in a row at the very end (furniture aside) that each read as
    a lede (furniture.reads_as_lede: one sentence opening on its own; one that opens with a wire dateline joins
    the run, as an outlet's own teasers carry its dateline, but does not count towards MIN_TEASERS, since a
    dateline opens a story of the article itself), after an article in which some paragraph
    attaches to the one before. An article's own closing paragraphs attach with و or a linking word or run to
    several sentences; a text in which no paragraph attaches (a press review, a list) gives no contrast, so
    nothing is taken from it. Being short is no evidence either way. A run that goes on naming the article's
    people and places is the article's own (_carries_the_article), however its paragraphs open.
    """
    kept = [position for position, block in enumerate(lines.blocks) if lines.kept(block, taken)]
    if not kept:
        return set()
    count = undated = 0
    for position in range(kept[-1], -1, -1):  # furniture may follow the teasers but not lie between them
        line = lines.lone_line(lines.blocks[position], taken)
        if line is None or count > MAX_TEASERS:
            break
        if furniture.reads_as_lede(lines.text(line)):
            undated += 1
        elif not furniture.reads_as_lede(lines.text(line), dated=True):
            break
        count += 1
    body = kept[: len(kept) - count]
    if undated < MIN_TEASERS or count > MAX_TEASERS:
        return set()
    if not any(_attaches(lines, lines.blocks[position], taken) for position in body):
        return set()
    if _carries_the_article(lines, body, kept[len(body) :], taken):
        return set()
    teasers = {index for position in kept[len(body) :] for index in lines.kept(lines.blocks[position], taken)}
    for position in reversed(body):  # a headline with only furniture after it introduces nothing
        line = lines.lone_line(lines.blocks[position], taken)
        if line is None or not furniture.reads_as_subheading(lines.text(line)):
            break
        teasers.add(line)
    return teasers


def _carries_the_article(lines: Lines, body: list[int], run: list[int], taken: set[int]) -> bool:
    """Whether the one-sentence paragraphs at `run` (block positions) continue the article at `body`.

    They do when at least half of them name a rare word (a person, place or organisation: rarity.is_actor) that
    the article before them or the run's paragraph before them named, and fewer than MIN_DATED_TEASERS date their
    news by weekday. Other stories' ledes name their own actors and date their own news.
    """
    named = {word for position in body for word in _actors(lines, lines.blocks[position], taken)}
    attached = dated = 0
    previous: set[str] = set()
    for position in run:
        actors = _actors(lines, lines.blocks[position], taken)
        attached += bool(actors & (named | previous))
        dated += any(
            cues.dates_by_weekday(lines.normalized[index]) for index in lines.kept(lines.blocks[position], taken)
        )
        previous = actors
    return 2 * attached >= len(run) and dated < MIN_DATED_TEASERS


def _actors(lines: Lines, block: list[int], taken: set[int]) -> set[str]:
    """Light stems of the rare words of a block's kept lines."""
    return {
        word.stem
        for index in lines.kept(block, taken)
        for word in content_words(lines.text(index))
        if rarity.is_actor(word.surface)
    }


def _attaches(lines: Lines, block: list[int], taken: set[int]) -> bool:
    kept = lines.kept(block, taken)
    return bool(kept) and cues.opens_as_continuation(lines.normalized[kept[0]][: cues.OPENING_CHARS])


def about_footer(lines: Lines, taken: set[int]) -> set[int]:
    """A press release's closing "About <company>:" lines, each with the paragraphs after it, up to the furniture.

    Only at the end of the text, for at most MAX_ABOUT_FOOTERS such lines, each followed by at most
    MAX_ABOUT_PARAGRAPHS paragraphs of which the first opens with the line's subject ("<company> is ...").
    """
    kept = [position for position, block in enumerate(lines.blocks) if lines.kept(block, taken)]
    footer: list[int] = []
    pending: list[int] = []  # the paragraphs after the position looked at, last first
    headers = 0
    for position in reversed(kept[1:]):
        line = lines.lone_line(lines.blocks[position], taken)
        if line is not None and pending and _presents(lines, line, lines.blocks[pending[-1]], taken):
            footer += [*pending, position]
            pending, headers = [], headers + 1
            if headers == MAX_ABOUT_FOOTERS:
                break
        elif len(pending) < MAX_ABOUT_PARAGRAPHS:
            pending.append(position)
        else:
            break
    return {index for position in footer for index in lines.kept(lines.blocks[position], taken)}


def _presents(lines: Lines, line: int, block: list[int], taken: set[int]) -> bool:
    """Whether `line` is an "About <name>:" header and `block` opens with a word of that name."""
    header = lines.normalized[line]
    if not furniture.is_about_header(header):
        return False
    name = {word for word in header.rstrip(":").split()[1:] if len(word) >= 3}
    kept = lines.kept(block, taken)
    return bool(kept) and not name.isdisjoint(lines.normalized[kept[0]].split()[:_SUBJECT_WORDS])


def related_headlines(lines: Lines, taken: set[int]) -> set[int]:
    """Runs of two or more stand-alone headline lines with prose on both sides: links to other stories.

    A lone headline line between paragraphs is a subheading and stays. So does a question that closes a run
    right before prose ("what did the ministry say?"): it heads the paragraphs that answer it.
    """
    kinds = [_block_kind(lines, block, taken) for block in lines.blocks]
    items = [(position, kind) for position, kind in enumerate(kinds) if kind is not None]
    found: set[int] = set()
    start = 0
    while start < len(items):
        end = start
        while end < len(items) and items[end][1] == "headline":
            end += 1
        if end == start:
            start += 1
            continue
        run = [position for position, _ in items[start:end]]
        before = items[start - 1][1] if start else None
        after = items[end][1] if end < len(items) else None
        if after == "prose" and furniture.ends_as_question(lines.text(lines.blocks[run[-1]][0])):
            run.pop()
        if len(run) >= 2 and before == "prose" and after == "prose":
            found.update(lines.blocks[position][0] for position in run)
        start = end
    return found


def _block_kind(lines: Lines, block: list[int], taken: set[int]) -> str | None:
    """ "headline" for one stand-alone line shaped like one, "prose", "other", or None when nothing is kept."""
    kept = lines.kept(block, taken)
    if not kept:
        return None
    if len(block) == 1 and furniture.reads_as_subheading(lines.text(kept[0])):
        return "headline"
    return "prose" if furniture.reads_as_prose(" ".join(lines.text(index) for index in kept)) else "other"
