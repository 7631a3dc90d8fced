"""The summarizer engine on a tiny real mT5 checkpoint: batching, order, chunking."""

import dataclasses

import pytest

from service.engines.factory import Engines
from service.engines.torch_backend.seq2seq import Seq2SeqEngine
from service.engines.torch_backend.summarizer import Seq2SeqSummarizer

ARTICLES = [
    "أعلنت وزارة الصحة افتتاح مستشفى جديد في شمال المدينة. وقال الوزير إن المستشفى سيخدم نصف مليون نسمة.",
    "فاز الفريق الوطني في مباراة ودية.",
    "ارتفعت أسعار النفط بعد قرار خفض الإنتاج، وتوقع محللون استمرار الصعود حتى نهاية العام. "
    "وقال خبراء إن الأسواق تترقب اجتماع المنتجين الشهر المقبل. وأضافوا أن الطلب ما زال قويا.",
]


def small_input(engines: Engines, max_input_tokens: int, **generate: object) -> Seq2SeqSummarizer:
    base = engines.summarizer.engine
    engine = Seq2SeqEngine(
        base.loaded, role="summarizer", max_input_tokens=max_input_tokens, generate_overrides=dict(generate)
    )
    return Seq2SeqSummarizer(engine)


def test_batched_summaries_equal_one_by_one(engines: Engines) -> None:
    summarizer = engines.summarizer
    batched = summarizer.summarize_batch(ARTICLES)
    assert batched == [summarizer.summarize_batch([article])[0] for article in ARTICLES]
    assert all(summary.strip() for summary in batched)


def test_batched_beam_search_equals_one_by_one(engines: Engines) -> None:
    summarizer = small_input(engines, 512, num_beams=4, no_repeat_ngram_size=2, length_penalty=0.6)
    batched = summarizer.summarize_batch(ARTICLES)
    assert batched == [summarizer.summarize_batch([article])[0] for article in ARTICLES]


def test_summaries_follow_input_order(engines: Engines) -> None:
    forward = engines.summarizer.summarize_batch(ARTICLES)
    backward = engines.summarizer.summarize_batch(ARTICLES[::-1])
    assert backward == forward[::-1]
    assert len(set(forward)) == len(forward), "tiny model should give each article its own output"


def test_long_input_is_chunked_at_sentences_not_truncated(engines: Engines) -> None:
    summarizer = small_input(engines, 40)
    text = " ".join(ARTICLES * 3)
    chunks = summarizer.chunks(text)
    assert len(chunks) > 1
    assert " ".join(chunks).split() == text.split(), "every word is in exactly one chunk"
    special = summarizer.engine.loaded.tokenizer.num_special_tokens_to_add(pair=False)
    assert all(n + special <= 40 for n in summarizer.engine.count_tokens(chunks))
    # The summary of the whole is the summaries of all its chunks, in order: no chunk goes unread.
    assert summarizer.summarize_batch([text]) == [" ".join(summarizer.summarize_batch(chunks))]


def test_blank_text_summarizes_to_empty_string(engines: Engines) -> None:
    assert engines.summarizer.summarize_batch(["", ARTICLES[1], "  "])[::2] == ["", ""]


def test_catalog_generation_settings_are_overridable(engines: Engines) -> None:
    summarizer = small_input(engines, 512, max_new_tokens=5)
    ids = summarizer.engine.generate_ids([ARTICLES[0]])
    assert ids.shape[1] <= 6  # decoder start token + at most 5 new tokens


@pytest.mark.parametrize("field", ["tokens_generated"])
def test_generated_tokens_are_counted(engines: Engines, field: str) -> None:
    engine = engines.summarizer.engine
    before = getattr(engine, field)
    engines.summarizer.summarize_batch([ARTICLES[1]])
    assert getattr(engine, field) > before
    assert dataclasses.is_dataclass(engine.loaded)
