"""The digest pipeline: the only place that knows the stage order.

text -> clean -> segment -> one batched summarize call -> one batched translate call -> Digest.
"""

import time
from collections.abc import Callable
from typing import TypeVar

from service.digest import (
    BilingualText,
    Digest,
    ModelsUsed,
    RemovedSpan,
    Section,
    Segmentation,
    SegmentedSection,
    TextSpan,
)
from service.engines.base import Summarizer, Translator, translate_texts
from service.errors import InvalidInput
from service.text import clean, segment

T = TypeVar("T")

# Called after each stage with (stage name, seconds); the HTTP layer feeds its metrics from it.
StageObserver = Callable[[str, float], None]


def segment_article(text: str, *, max_sections: int | None = None) -> Segmentation:
    """Title, sections with keywords, and removed furniture of `text`; offsets index `text` as given.

    Pure Python and fast: no model is involved. Blank text gives no sections.
    """
    cleaned = clean(text)
    sections = segment(cleaned, max_sections=max_sections)
    title = cleaned.title
    return Segmentation(
        title=TextSpan(start=title.start, end=title.end, text=title.text) if title else None,
        sections=[SegmentedSection(start=s.start, end=s.end, text=s.text, keywords=s.keywords) for s in sections],
        removed=[RemovedSpan(start=s.start, end=s.end, text=s.text) for s in cleaned.removed],
    )


class DigestPipeline:
    """Wires the text stages and the two engines; holds no state between calls."""

    def __init__(self, summarizer: Summarizer, translator: Translator) -> None:
        self.summarizer = summarizer
        self.translator = translator

    def run(
        self,
        text: str,
        *,
        title: str | None = None,
        max_sections: int | None = None,
        observe: StageObserver | None = None,
    ) -> Digest:
        """Digest of `text`. Offsets index `text` exactly as given. Raises InvalidInput for blank text.

        A `title` given by the caller wins over the one found in the text; either way it is translated.
        """
        if not text.strip():
            raise InvalidInput("text is empty")
        timing: dict[str, float] = {}

        def timed(stage: str, work: Callable[[], T]) -> T:
            started = time.perf_counter()
            result = work()
            seconds = time.perf_counter() - started
            timing[stage] = round(seconds * 1000, 2)
            if observe is not None:
                observe(stage, seconds)
            return result

        cleaned = timed("clean", lambda: clean(text))
        sections = timed("segment", lambda: segment(cleaned, max_sections=max_sections))
        sources = ["\n".join(p.text for p in section.paragraphs) for section in sections]
        summaries = timed("summarize", lambda: self.summarizer.summarize_batch(sources))
        title_ar = title.strip() if title and title.strip() else (cleaned.title.text if cleaned.title else None)
        # The title rides in the same batched translate call as the summaries.
        to_translate = summaries + ([title_ar] if title_ar else [])
        english = timed("translate", lambda: translate_texts(self.translator.translate_batch, to_translate))
        timing["total"] = round(sum(timing.values()), 2)
        return Digest(
            title=BilingualText(ar=title_ar, en=english[-1]) if title_ar else None,
            sections=[
                Section(
                    index=index,
                    start=section.start,
                    end=section.end,
                    text=section.text,
                    keywords=section.keywords,
                    summary=BilingualText(ar=summary, en=english[index]),
                )
                for index, (section, summary) in enumerate(zip(sections, summaries, strict=True))
            ],
            removed=[RemovedSpan(start=s.start, end=s.end, text=s.text) for s in cleaned.removed],
            models=ModelsUsed(summarizer=self.summarizer.name, translator=self.translator.name),
            timing_ms=timing,
        )
