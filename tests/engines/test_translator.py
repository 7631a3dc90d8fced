"""The translator engine on tiny real checkpoints: Marian by default, NLLB and mBART language handling."""

from pathlib import Path

import pytest

from service.engines.base import translate_texts
from service.engines.factory import Engines
from service.engines.torch_backend.loading import load_seq2seq, pick_device
from service.engines.torch_backend.seq2seq import Seq2SeqEngine
from service.engines.torch_backend.translator import Seq2SeqTranslator
from tests.conftest import tiny_checkpoint
from tests.recording import Recording

SENTENCES = [
    "قال المتحدث إن المفاوضات ستستأنف الأسبوع المقبل.",
    "وصل الوفد.",
    "ارتفعت أسعار النفط في الأسواق العالمية بعد قرار خفض الإنتاج، وتوقع المحللون استمرار الارتفاع.",
    "هل ستنجح الخطة؟",
]


def test_batched_translations_equal_one_by_one(engines: Engines) -> None:
    translator = engines.translator
    batched = translator.translate_batch(SENTENCES)
    assert batched == [translator.translate_batch([sentence])[0] for sentence in SENTENCES]
    assert all(text.strip() for text in batched)


def test_translations_follow_input_order(engines: Engines) -> None:
    forward = engines.translator.translate_batch(SENTENCES)
    assert engines.translator.translate_batch(SENTENCES[::-1]) == forward[::-1]
    assert len(set(forward)) == len(forward)


def test_texts_are_translated_sentence_by_sentence_in_one_call(engines: Engines) -> None:
    counting = Recording(engines.translator)
    texts = [SENTENCES[0] + " " + SENTENCES[1], SENTENCES[2] + "\n\n" + SENTENCES[3], ""]
    english = translate_texts(counting.translate_batch, texts)
    assert counting.calls == [SENTENCES], "one batched call holding every sentence"
    one_by_one = engines.translator.translate_batch(SENTENCES)
    assert english == [f"{one_by_one[0]} {one_by_one[1]}", f"{one_by_one[2]}\n\n{one_by_one[3]}", ""]


def test_sentence_over_model_input_is_cut_between_words_not_truncated(engines: Engines) -> None:
    engine = Seq2SeqEngine(engines.translator.engine.loaded, role="translator", max_input_tokens=24)
    translator = Seq2SeqTranslator(engine)
    sentence = " ".join(SENTENCES[2] for _ in range(4)).replace(".", "،")
    pieces = engine.fit(sentence)
    assert len(pieces) > 1
    assert " ".join(pieces).split() == sentence.split()
    assert translator.translate_batch([sentence]) == [" ".join(translator.translate_batch(pieces))]


@pytest.mark.slow
def test_longest_input_never_generates_past_the_decoder_positions(engines: Engines) -> None:
    # A sentence that fills the whole input would be allowed 1.5x its length in output: past the 256 learned
    # positions of the tiny Marian decoder, which `generate` cannot index.
    engine = engines.translator.engine
    positions = engine.loaded.model.config.max_position_embeddings
    words = SENTENCES[2].rstrip(".").replace("،", "").split()
    sentence = " ".join(words[i % len(words)] for i in range(400))
    pieces = engine.fit(sentence)
    longest = max(engine.count_tokens(pieces))
    assert int(longest * 1.5) + 10 > positions - 2, "the input must be long enough to hit the cap"
    (english,) = engines.translator.translate_batch([sentence])
    assert english.strip()
    ids = engine.generate_ids(pieces, **engines.translator.length_caps(pieces))
    assert ids.shape[1] <= positions


@pytest.fixture(scope="module")
def tiny_family(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    built: dict[str, Path] = {}

    def get(family: str) -> Path:
        if family not in built:
            built[family] = tiny_checkpoint(family)
        return built[family]

    return get


def test_nllb_reads_arabic_and_is_forced_to_write_english(tiny_family) -> None:  # type: ignore[no-untyped-def]
    loaded = load_seq2seq(str(tiny_family("nllb")), device=pick_device("cpu"))
    engine = Seq2SeqEngine(loaded, role="translator")
    tokenizer = loaded.tokenizer
    assert tokenizer.src_lang == "arb_Arab"
    assert tokenizer(SENTENCES[1])["input_ids"][0] == tokenizer.convert_tokens_to_ids("arb_Arab")
    ids = engine.generate_ids(SENTENCES[:2])
    assert ids[:, 1].tolist() == [tokenizer.convert_tokens_to_ids("eng_Latn")] * 2
    translator = Seq2SeqTranslator(engine)
    assert translator.translate_batch(SENTENCES) == [translator.translate_batch([s])[0] for s in SENTENCES]


@pytest.mark.parametrize(("role", "target"), [("translator", "en_XX"), ("summarizer", "ar_AR")])
def test_mbart_gets_language_codes_for_its_role(tiny_family, role: str, target: str) -> None:  # type: ignore[no-untyped-def]
    loaded = load_seq2seq(str(tiny_family("mbart")), device=pick_device("cpu"))
    engine = Seq2SeqEngine(loaded, role=role)
    tokenizer = loaded.tokenizer
    assert tokenizer.src_lang == "ar_AR"
    ids = engine.generate_ids(SENTENCES[:2])
    assert ids[:, 1].tolist() == [tokenizer.convert_tokens_to_ids(target)] * 2
    assert all(isinstance(text, str) for text in engine.generate(SENTENCES))


def test_batched_beam_search_translation_equals_one_by_one(engines: Engines) -> None:
    engine = Seq2SeqEngine(engines.translator.engine.loaded, role="translator", generate_overrides={"num_beams": 4})
    translator = Seq2SeqTranslator(engine)
    batched = translator.translate_batch(SENTENCES)
    assert batched == [translator.translate_batch([sentence])[0] for sentence in SENTENCES]


@pytest.mark.slow
def test_output_never_runs_past_the_decoders_position_table(engines: Engines) -> None:
    # A full-budget sentence would get 1.5x its length + 10 tokens: more than the tiny Marian's 256 positions.
    engine = engines.translator.engine
    positions = engine.loaded.model.config.max_position_embeddings
    words = " ".join(SENTENCES[2].replace(".", "").replace("،", "") for _ in range(40))
    piece = engine.fit(words)[0]
    assert engine.count_tokens([piece])[0] * 1.5 + 10 > positions
    ids = engine.generate_ids([piece], **engines.translator.length_caps([piece]))
    assert ids.shape[1] - 1 <= positions  # the decoder start token comes first and is not generated
    assert engines.translator.translate_batch([piece])[0].strip()


def test_alternatives_are_distinct_runners_up_in_input_order(engines: Engines) -> None:
    translator = engines.translator
    sentences = [*SENTENCES[:2], ""]
    alternatives = translator.translate_alternatives(sentences, 3)
    assert len(alternatives) == 3 and alternatives[2] == []
    for found in alternatives[:2]:
        assert 1 <= len(found) <= 3 and len(set(found)) == len(found) and all(text.strip() for text in found)
    # Batched alternatives equal each sentence's alone, as translations do.
    assert alternatives == [translator.translate_alternatives([sentence], 3)[0] for sentence in sentences]
    assert translator.translate_alternatives(sentences, 0) == [[], [], []]
    assert translator.translate_alternatives([], 3) == []


def test_alternatives_keep_each_rows_length_cap_when_the_beam_expands_rows(engines: Engines) -> None:
    lengths = [5, 9, 7]
    translator = Seq2SeqTranslator(
        engines.translator.engine, output_lengths=lambda counts: lengths[: len(counts)], exact_lengths=True
    )
    engine = translator.engine
    pieces = [piece for sentence in SENTENCES[:3] for piece in engine.fit(sentence)]
    ids = engine.generate_ids(pieces, num_beams=4, num_return_sequences=3, **translator.length_caps(pieces, beams=4))
    pad = engine.loaded.tokenizer.pad_token_id
    generated = (ids[:, 1:] != pad).sum(dim=1).tolist()
    # Each of a sentence's three hypotheses has exactly that sentence's length, plus its end-of-sequence token.
    assert generated == [length + 1 for length in lengths for _ in range(3)]
    assert all(len(found) <= 2 for found in translator.translate_alternatives(SENTENCES[:3], 2))


def test_a_sentence_cut_into_pieces_gets_its_pieces_alternatives_joined(engines: Engines) -> None:
    engine = Seq2SeqEngine(engines.translator.engine.loaded, role="translator", max_input_tokens=24)
    translator = Seq2SeqTranslator(engine)
    sentence = " ".join(SENTENCES[2] for _ in range(2)).replace(".", "،")
    pieces = engine.fit(sentence)
    assert len(pieces) > 1
    (found,) = translator.translate_alternatives([sentence], 2)
    rows = engine.generate(pieces, num_beams=3, num_return_sequences=3, **translator.length_caps(pieces, beams=3))
    hypotheses = [rows[i : i + 3] for i in range(0, len(rows), 3)]
    joined = [" ".join(piece[k] for piece in hypotheses) for k in range(3)]
    assert found and found == [text for text in dict.fromkeys(joined[1:]) if text != joined[0]]
