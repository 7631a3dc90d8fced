"""The article in a web page: its title and main text, in the plain-text shape the rest of the pipeline reads.

trafilatura finds the main text (paragraphs and subheadings; navigation, share bars, comments, related-story
blocks, captions and scripts left out) and the title. The article comes back as the title, a blank line, and the
paragraphs separated by blank lines: the layout `clean` expects of scraped text, so a subheading stays its own
paragraph and the title its own first line. Torch-free; trafilatura is imported on first use.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from service.errors import NoArticle, Unprocessable

# Where a page declares its encoding: <meta charset="..."> or <meta http-equiv="Content-Type" content="...;
# charset=...">; HTML5 has browsers look for it in the first 1024 bytes, real pages put it further down at times.
_DECLARED_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE)
_CHARSET_WINDOW = 8192
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
# Fewer words than this is not an article: trafilatura's fallbacks return a page's menu when there is nothing else.
MIN_ARTICLE_WORDS = 5
# Whitespace inside a line (tabs, no-break spaces) is kept as trafilatura gives it; only blank lines are dropped.
_BLANK = re.compile(r"\s*")


@dataclass(frozen=True, slots=True)
class ExtractedArticle:
    """What `extract_article` found: `text` starts with `title` when there is one; paragraphs end at blank lines."""

    title: str | None
    text: str


def declared_charset(raw: bytes) -> str | None:
    """The encoding a page's bytes declare (byte-order mark, then meta charset / http-equiv), as a Python codec
    name; None when none is declared or the name is not one Python knows."""
    for bom, name in _BOMS:
        if raw.startswith(bom):
            return name
    found = _DECLARED_CHARSET.search(raw[:_CHARSET_WINDOW])
    if found is None:
        return None
    try:
        return codecs.lookup(found.group(1).decode("ascii")).name
    except LookupError:
        return None


def decode_page(raw: bytes) -> str:
    """The page's text: decoded by its declared charset (windows-1256 pages exist), else as UTF-8.

    Raises Unprocessable when the bytes are not valid in that encoding; the message names it.
    """
    encoding = declared_charset(raw) or "utf-8"
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as error:
        raise Unprocessable(f"the page is not valid {encoding} (byte {error.start}); declare its charset") from None


def extract_article(html: str) -> ExtractedArticle:
    """The article in `html`: the page's title and its main text, paragraphs separated by blank lines.

    Raises NoArticle when the page has no main text of at least MIN_ARTICLE_WORDS words (empty, all navigation, or
    markup nested too deep to read).
    Whether the text is Arabic is for the caller to check.
    """
    import trafilatura

    document = trafilatura.bare_extraction(
        html,
        favor_precision=True,
        include_comments=False,
        include_tables=False,
        include_images=False,
        include_links=False,
        deduplicate=False,
        with_metadata=True,
        # Only the title is used; an extensive date search loads dateparser (a second or more) and reads Arabic
        # bylines for nothing.
        date_extraction_params={"extensive_search": False, "original_date": False},
    )
    body = getattr(document, "text", None) or ""
    paragraphs = [line.strip() for line in body.splitlines() if not _BLANK.fullmatch(line)]
    if sum(len(paragraph.split()) for paragraph in paragraphs) < MIN_ARTICLE_WORDS:
        raise NoArticle("no article text found in the page")
    title = " ".join((getattr(document, "title", None) or "").split()) or None
    if title is not None and paragraphs[0] != title:
        paragraphs.insert(0, title)
    return ExtractedArticle(title=title, text="\n\n".join(paragraphs))
