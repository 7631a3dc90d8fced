"""The digest pipeline: the only place that knows the stage order.

text -> clean -> segment -> one batched summarize call -> one batched translate call -> Digest.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from service.digest import (
    BilingualText,
    Digest,
    ModelsUsed,
    Offsets,
    RemovedSpan,
    Section,
    Segmentation,
    SegmentedSection,
    Summary,
    TextSpan,
)
from service.engines.base import Summarizer, Translator, translate_texts
from service.engines.cancel import raise_if_cancelled
from service.engines.extractive import central_sentences, join_sentences
from service.errors import InvalidInput, KhulasaError
from service.text import CleanedText, SectionSpan, Span, clean, segment

T = TypeVar("T")

# Called after each stage with (stage name, seconds); the HTTP layer feeds its metrics from it.
StageObserver = Callable[[str, float], None]


@dataclass(frozen=True)
class StageResult:
    """One article's results of one model stage, as soon as the stage ends (for streaming answers).

    `stage` is "summarize" (`sections`: the Arabic summary of each section, in section order) or "translate"
    (`sections`: their English; `title`: the digest's title in both languages, when it has one).
    """

    stage: str
    sections: list[str]
    title: BilingualText | None = None


# Called from the thread that runs the pipeline; it must hand the result over quickly and not raise.
StageReport = Callable[[StageResult], None]


def segment_article(text: str, *, max_sections: int | None = None) -> Segmentation:
    """Title, sections with keywords and subheadings, and removed furniture of `text`; offsets index `text` as given.

    Pure Python and fast: no model is involved. Blank text gives no sections.
    """
    cleaned = clean(text)
    sections = segment(cleaned, max_sections=max_sections)
    title = cleaned.title
    return Segmentation(
        title=TextSpan(start=title.start, end=title.end, text=title.text) if title else None,
        sections=[
            SegmentedSection(
                start=s.start, end=s.end, text=s.text, keywords=s.keywords, heading=s.heading, confidence=s.confidence
            )
            for s in sections
        ],
        removed=[RemovedSpan(start=s.start, end=s.end, text=s.text) for s in cleaned.removed],
    )


@dataclass(frozen=True)
class DigestRequest:
    """One article to digest, as `DigestPipeline.run` takes it."""

    text: str
    title: str | None = None
    max_sections: int | None = None
    # "extractive": each summary is 1 to 3 of the section's own sentences, no model (service.engines.extractive).
    summary: str = "abstractive"
    # Told each model stage's results for this article when the stage ends; the digest itself is unchanged.
    report: StageReport | None = field(default=None, compare=False)


@dataclass
class _Prepared:
    cleaned: CleanedText
    sections: list[SectionSpan]
    title_ar: str | None
    timing: dict[str, float]
    extractive: bool = False
    report: StageReport | None = None


# A section's Arabic summary and, for an extractive one, the sentences it is made of (offsets into the article).
_Written = tuple[str, list[Span] | None]


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
        summary: str = "abstractive",
        observe: StageObserver | None = None,
    ) -> Digest:
        """Digest of `text`. Offsets index `text` exactly as given. Raises InvalidInput for blank text.

        A `title` given by the caller wins over the one found in the text; either way it is translated.
        `summary="extractive"` takes each section's own central sentences instead of the summarizer's output.
        """
        result = self.run_many([DigestRequest(text, title, max_sections, summary)], observe=observe)[0]
        if isinstance(result, KhulasaError):
            raise result
        return result

    def run_many(
        self, requests: list[DigestRequest], *, observe: StageObserver | None = None
    ) -> list[Digest | KhulasaError]:
        """Digests of several articles with one summarize and one translate call shared by all of them.

        Each digest equals what `run` gives for that article alone (exactly so in fp32; int8 activation scales
        are per batch). An article that is invalid on its own gets its error in its place and does not affect
        the others. The summarize and translate times in `timing_ms` are those of the shared calls.
        """

        def timed(stage: str, work: Callable[[], T], timings: list[dict[str, float]]) -> T:
            started = time.perf_counter()
            result = work()
            seconds = time.perf_counter() - started
            for timing in timings:
                timing[stage] = round(seconds * 1000, 2)
            if observe is not None:
                observe(stage, seconds)
            return result

        prepared: list[_Prepared | KhulasaError] = []
        for request in requests:
            prepared.append(self._prepare(request, timed) if request.text.strip() else InvalidInput("text is empty"))
        ready = [item for item in prepared if isinstance(item, _Prepared)]
        timings = [item.timing for item in ready]
        raise_if_cancelled()
        summaries = timed("summarize", lambda: self._summaries(ready), timings)
        _report(ready, "summarize", [text for text, _ in summaries])
        raise_if_cancelled()
        # Titles ride in the same batched translate call as the summaries.
        to_translate = [text for text, _ in summaries] + [item.title_ar for item in ready if item.title_ar]
        english = timed("translate", lambda: translate_texts(self.translator.translate_batch, to_translate), timings)
        _report(ready, "translate", english[: len(summaries)], titles=english[len(summaries) :])
        return self._assemble(prepared, summaries, english)

    def _prepare(
        self, request: DigestRequest, timed: Callable[[str, Callable[[], Any], list[dict[str, float]]], Any]
    ) -> _Prepared:
        timing: dict[str, float] = {}
        cleaned: CleanedText = timed("clean", lambda: clean(request.text), [timing])
        sections = timed("segment", lambda: segment(cleaned, max_sections=request.max_sections), [timing])
        title = request.title.strip() if request.title and request.title.strip() else None
        title_ar = title or (cleaned.title.text if cleaned.title else None)
        return _Prepared(
            cleaned, sections, title_ar, timing, extractive=request.summary == "extractive", report=request.report
        )

    def _summaries(self, ready: list[_Prepared]) -> list[_Written]:
        """Every section's summary, in order: one batched summarizer call for the abstractive ones, the central
        sentences of the extractive ones."""
        sources = [_section_source(s) for item in ready if not item.extractive for s in item.sections]
        written = iter(self.summarizer.summarize_batch(sources) if sources else [])
        summaries: list[_Written] = []
        for item in ready:
            headings = frozenset(span.start for span in item.cleaned.headings)
            for section in item.sections:
                if item.extractive:
                    chosen = central_sentences(item.cleaned.source, section.paragraphs, headings)
                    summaries.append((join_sentences(chosen), chosen))
                else:
                    summaries.append((next(written), None))
        return summaries

    def _assemble(
        self, prepared: list["_Prepared | KhulasaError"], summaries: list[_Written], english: list[str]
    ) -> list[Digest | KhulasaError]:
        summary_at = iter(range(len(summaries)))
        title_at = iter(range(len(summaries), len(english)))
        results: list[Digest | KhulasaError] = []
        for item in prepared:
            if isinstance(item, KhulasaError):
                results.append(item)
                continue
            spots = [next(summary_at) for _ in item.sections]
            title = BilingualText(ar=item.title_ar, en=english[next(title_at)]) if item.title_ar else None
            item.timing["total"] = round(sum(item.timing.values()), 2)
            results.append(
                Digest(
                    title=title,
                    sections=[
                        Section(
                            index=index,
                            start=section.start,
                            end=section.end,
                            text=section.text,
                            keywords=section.keywords,
                            heading=section.heading,
                            confidence=section.confidence,
                            summary=_summary(summaries[spot], english[spot]),
                        )
                        for index, (section, spot) in enumerate(zip(item.sections, spots, strict=True))
                    ],
                    removed=[RemovedSpan(start=s.start, end=s.end, text=s.text) for s in item.cleaned.removed],
                    models=ModelsUsed(summarizer=self.summarizer.name, translator=self.translator.name),
                    timing_ms=dict(item.timing),
                )
            )
        return results


def _report(ready: list[_Prepared], stage: str, values: list[str], *, titles: list[str] | None = None) -> None:
    """Hand each article that asked for it its share of a batched stage's `values` (and its title's translation)."""
    position, title_at = 0, iter(titles or [])
    for item in ready:
        share = values[position : position + len(item.sections)]
        position += len(item.sections)
        title = BilingualText(ar=item.title_ar, en=next(title_at)) if titles is not None and item.title_ar else None
        if item.report is not None:
            item.report(StageResult(stage, share, title))


def _summary(written: _Written, english: str) -> Summary:
    text, chosen = written
    spans = None if chosen is None else [Offsets(start=span.start, end=span.end) for span in chosen]
    return Summary(ar=text, en=english, spans=spans)


def _section_source(section: SectionSpan) -> str:
    return "\n".join(paragraph.text for paragraph in section.paragraphs)
