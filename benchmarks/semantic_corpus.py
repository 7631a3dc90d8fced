"""Read a checkout of the ANT corpus into tokenised articles, skipping every excluded article.

A corpus file is one <DOC> with its body between <TEXT> and </TEXT>, one paragraph a line. Its path,
Outlet/category/XX-category-N-YYYYMMDD.txt, is the article's id and gives its outlet, category and date.
"""

from __future__ import annotations

import datetime
import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from service.text.corpus_terms import terms

_BODY = re.compile(r"<TEXT>\s*\n(.*?)</TEXT>", re.DOTALL)
_DATE = re.compile(r"-(\d{8})\.txt$")
# A paragraph shorter than this many content words is a caption, a credit or a heading: too little to compare.
MIN_TERMS = 4


@dataclass(frozen=True, slots=True)
class Article:
    """One corpus article: its id (the corpus path), where and when it ran, and its paragraphs' terms."""

    id: str
    outlet: str
    category: str
    week: str
    paragraphs: list[list[tuple[str, bool]]]

    @property
    def group(self) -> tuple[str, str, str]:
        """Articles of one group (outlet, category, ISO week) share places, actors and vocabulary: hard negatives."""
        return self.outlet, self.category, self.week


def article_paths(corpus: Path, excluded: set[str]) -> list[str]:
    """Every corpus article id (relative path, '/'-separated) not in `excluded`, sorted."""
    paths = (path.relative_to(corpus).as_posix() for path in corpus.glob("*/*/*.txt"))
    return sorted(path for path in paths if path not in excluded and _DATE.search(path))


def paragraphs_of(source: str) -> list[str]:
    """The body paragraphs of one corpus file's text, stripped, empty lines dropped."""
    body = _BODY.search(source)
    if body is None:
        return []
    return [line.strip() for line in body.group(1).splitlines() if line.strip()]


def read_articles(corpus: Path, ids: Iterable[str]) -> Iterator[Article]:
    """Tokenised articles in the order of `ids`; short paragraphs dropped, articles left with none skipped.

    An article whose text repeats one already read (the corpus files some articles under two categories) is
    skipped too, so it is never its own hard negative.
    """
    seen: set[str] = set()
    for article_id in ids:
        text = (corpus / article_id).read_text(encoding="utf-8", errors="replace")
        paragraphs = paragraphs_of(text)
        fingerprint = hashlib.sha1("\n".join(paragraphs).encode()).hexdigest()
        if not paragraphs or fingerprint in seen:
            continue
        seen.add(fingerprint)
        tokenised = [words for words in map(terms, paragraphs) if len(words) >= MIN_TERMS]
        if tokenised:
            outlet, category = article_id.split("/")[:2]
            yield Article(article_id, outlet, category, _week(article_id), tokenised)


def _week(article_id: str) -> str:
    match = _DATE.search(article_id)
    assert match is not None  # article_paths() keeps dated paths only
    year, week, _ = datetime.date.fromisoformat(
        f"{match.group(1)[:4]}-{match.group(1)[4:6]}-{match.group(1)[6:]}"
    ).isocalendar()
    return f"{year}-W{week:02d}"
