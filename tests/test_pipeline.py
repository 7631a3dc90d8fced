"""The digest pipeline with tiny real engines: offsets, one call per stage, nothing lost."""

import pytest

from service.digest import Digest
from service.engines.factory import Engines
from service.errors import InvalidInput
from service.pipeline import DigestPipeline, DigestRequest, StageResult
from tests.recording import Recording

# Two stories the project wrote, with a caption line between them, as a scraper would bring it.
ARTICLE = """\
افتتاح مستشفى جديد في شمال العاصمة

أعلنت وزارة الصحة اليوم افتتاح مستشفى جديد في شمال العاصمة يضم مئتي سرير وقسما للطوارئ.

وقال الوزير في مؤتمر صحفي إن المستشفى سيخدم أكثر من نصف مليون نسمة في الأحياء الشمالية.

صدر الصورة، رويترز

من جانب آخر، ارتفعت أسعار النفط في الأسواق العالمية بعد قرار كبار المنتجين خفض الإنتاج.

وتوقع محللون أن تستمر أسعار النفط في الصعود حتى نهاية العام مع تراجع المخزونات.
"""
# The same article with a subheading over its second story.
SUBHEADING = "أسواق النفط"
ARTICLE_WITH_SUBHEADING = ARTICLE.replace("من جانب آخر،", f"{SUBHEADING}\n\nمن جانب آخر،")


@pytest.fixture
def engines(short_engines: Engines) -> Engines:
    """The tiny models with outputs cut at 8 tokens: these tests are about offsets, stages and titles, not about how
    much is generated (the length caps have their own tests in tests/engines); full-length outputs cost seconds."""
    return short_engines


@pytest.fixture
def pipeline(engines: Engines) -> DigestPipeline:
    return DigestPipeline(engines.summarizer, engines.translator)


def test_sections_index_the_submitted_text(pipeline: DigestPipeline) -> None:
    digest = pipeline.run(ARTICLE)
    assert digest.sections
    for index, section in enumerate(digest.sections):
        assert section.index == index
        assert ARTICLE[section.start : section.end] == section.text
        assert section.summary.ar.strip() and section.summary.en.strip()
    assert [s.start for s in digest.sections] == sorted(s.start for s in digest.sections)


def test_every_article_paragraph_lands_in_a_section(pipeline: DigestPipeline) -> None:
    digest = pipeline.run(ARTICLE)
    paragraphs = [p for p in ARTICLE.split("\n\n") if p.strip()]
    body = paragraphs[1:]  # the first is the title
    for paragraph in body:
        paragraph = paragraph.strip()
        in_section = any(paragraph in section.text for section in digest.sections)
        removed = any(paragraph == item.text for item in digest.removed)
        assert in_section or removed, paragraph
    for item in digest.removed:
        assert ARTICLE[item.start : item.end] == item.text


def test_title_is_found_and_translated(pipeline: DigestPipeline) -> None:
    digest = pipeline.run(ARTICLE)
    assert digest.title is not None
    assert digest.title.ar == "افتتاح مستشفى جديد في شمال العاصمة"
    assert digest.title.en.strip()


def test_caller_title_wins(pipeline: DigestPipeline) -> None:
    digest = pipeline.run(ARTICLE, title="عنوان من المستخدم")
    assert digest.title is not None and digest.title.ar == "عنوان من المستخدم"


def test_one_summarize_call_and_one_translate_call(engines: Engines) -> None:
    summarizer = Recording(engines.summarizer)
    translator = Recording(engines.translator)
    digest = DigestPipeline(summarizer, translator).run(ARTICLE)
    assert len(summarizer.calls) == 1 and len(summarizer.calls[0]) == len(digest.sections)
    assert len(translator.calls) == 1
    assert digest.timing_ms.keys() >= {"clean", "segment", "summarize", "translate", "total"}


def test_max_sections_is_respected(pipeline: DigestPipeline) -> None:
    assert len(pipeline.run(ARTICLE, max_sections=1).sections) == 1


@pytest.mark.parametrize("text", ["", "   \n\t "])
def test_blank_text_is_invalid_input(pipeline: DigestPipeline, text: str) -> None:
    with pytest.raises(InvalidInput):
        pipeline.run(text)


def test_each_article_of_a_batch_is_told_its_own_stage_results(engines: Engines) -> None:
    summarizer, translator = Recording(engines.summarizer), Recording(engines.translator)
    pipeline = DigestPipeline(summarizer, translator)
    told: dict[str, list[StageResult]] = {"first": [], "second": []}
    requests = [
        DigestRequest(ARTICLE, report=told["first"].append),
        DigestRequest("  ", report=told["second"].append),  # invalid: told nothing
        DigestRequest(ARTICLE_WITH_SUBHEADING, title="عنوان", max_sections=1, report=told["second"].append),
    ]
    first, invalid, second = pipeline.run_many(requests)
    assert isinstance(invalid, InvalidInput)
    assert len(summarizer.calls) == len(translator.calls) == 1  # reporting splits no batch
    for digest, results in ((first, told["first"]), (second, told["second"])):
        assert isinstance(digest, Digest)
        assert [result.stage for result in results] == ["summarize", "translate"]
        assert results[0].sections == [section.summary.ar for section in digest.sections]
        assert results[1].sections == [section.summary.en for section in digest.sections]
        assert results[0].title is None and results[1].title == digest.title
