"""The faithful summarizer: each section's summary is 1 to 3 of its own sentences, in order, at the offsets given."""

import time

import pytest

from service.engines.base import Summarizer
from service.engines.extractive import ExtractiveSummarizer, central_sentences, sentence_budget
from service.pipeline import segment_article
from service.text import clean, rarity, segment, split_sentences
from tests.pages import natural_articles


def _articles(reference_article: str) -> list[str]:
    return [reference_article] + ["\n\n".join([a.title, *a.paragraphs]) for a in natural_articles()]


def test_chosen_sentences_are_sentences_of_their_section_in_order(reference_article: str) -> None:
    sections_seen = 0
    for text in _articles(reference_article):
        cleaned = clean(text)
        headings = frozenset(span.start for span in cleaned.headings)
        for section in segment(cleaned):
            chosen = central_sentences(text, section.paragraphs, headings)
            prose = [p for p in section.paragraphs if p.start not in headings]
            own = [s for p in prose for s in split_sentences(text, p.start, p.end)]
            assert 1 <= len(chosen) <= 3
            assert len(chosen) <= max(1, len(own))
            for span in chosen:
                assert text[span.start : span.end] == span.text  # offsets into the article itself
                assert section.start <= span.start < span.end <= section.end
                assert span in own  # a whole sentence of the section, never a piece or a heading
            assert [s.start for s in chosen] == sorted(s.start for s in chosen)
            sections_seen += 1
    assert sections_seen > 70


def test_choice_is_deterministic_and_takes_milliseconds(reference_article: str) -> None:
    rarity.load()
    cleaned = clean(reference_article)
    sections = segment(cleaned)
    first = [central_sentences(reference_article, s.paragraphs) for s in sections]
    started = time.perf_counter()
    again = [central_sentences(reference_article, s.paragraphs) for s in sections]
    per_section_ms = (time.perf_counter() - started) * 1000 / len(sections)
    assert again == first
    assert per_section_ms < 50  # "a few ms" on a quiet machine; generous for a shared CI one


def test_a_sentence_that_repeats_a_chosen_one_is_passed_over() -> None:
    said = "قصفت الطائرات الأمريكية مواقع التنظيم قرب مدينة سرت الليبية صباح الخميس."
    other = "وقال المتحدث إن الغارات استهدفت مخازن أسلحة التنظيم قرب سرت."
    text = "\n".join([said, said, other, "وأضاف أن العملية مستمرة."])
    paragraphs = split_sentences(text)
    chosen = central_sentences(text, paragraphs)
    assert [s.text for s in chosen].count(said) == 1


@pytest.mark.parametrize(("candidates", "budget"), [(0, 0), (1, 1), (3, 1), (4, 2), (6, 2), (7, 3), (40, 3)])
def test_sentence_budget_grows_with_the_section_up_to_three(candidates: int, budget: int) -> None:
    assert sentence_budget(candidates) == budget


def test_extractive_summarizer_meets_the_summarizer_protocol(reference_article: str) -> None:
    summarizer: Summarizer = ExtractiveSummarizer()
    sections = [s.text for s in segment_article(reference_article).sections]
    summaries = summarizer.summarize_batch(sections)
    assert len(summaries) == len(sections)
    for section, summary in zip(sections, summaries, strict=True):
        sentences = [s.text for s in split_sentences(section)]
        assert summary and all(piece in sentences for piece in _rejoined(summary, sentences))
    assert summarizer.summarize_batch(["", "   "]) == ["", ""]
    assert summarizer.describe()["id"] == "extractive" and summarizer.tokens_generated == 0
    assert summarizer.count_tokens(["وصل الوفد إلى القاهرة", ""]) == [3, 0]


def _rejoined(summary: str, sentences: list[str]) -> list[str]:
    """The sentences a summary was joined from, found greedily from the left."""
    pieces: list[str] = []
    rest = summary
    while rest:
        piece = next(s for s in sentences if rest.startswith(s))
        pieces.append(piece)
        rest = rest[len(piece) :].lstrip(" ")
    return pieces
