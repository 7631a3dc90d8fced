"""The Arabic output-vocabulary restriction on tiny real checkpoints (fp32): same choices, fewer head rows."""

import copy
import dataclasses
import json
import logging
from pathlib import Path

import pytest
import torch
from pydantic import ValidationError
from torch import nn
from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

from service.config import Settings
from service.engines.factory import Engines, load_engines
from service.engines.loading import LoadedModel, load_seq2seq
from service.engines.seq2seq import Seq2SeqEngine
from service.engines.tiny import CORPUS, build_tiny
from service.engines.vocabulary import (
    OutputVocabulary,
    arabic_output_ids,
    is_arabic_output_piece,
    restrict_output_vocabulary,
)
from service.errors import ConfigError

CPU = torch.device("cpu")
ARTICLES = [
    "أعلنت وزارة الصحة افتتاح مستشفى جديد في شمال المدينة. وقال الوزير إن المستشفى سيخدم نصف مليون نسمة.",
    "فاز الفريق الوطني في مباراة ودية.",
    "ارتفعت أسعار النفط بعد قرار خفض الإنتاج، وتوقع محللون استمرار الصعود حتى نهاية العام.",
]
# Arabic lines of the tiny tokenizer's own corpus: inputs the tiny models tokenize without unknown pieces.
INPUTS = [line for line in CORPUS.read_text(encoding="utf-8").splitlines() if any("ء" <= c <= "ي" for c in line)]
BEAM = {"num_beams": 4, "no_repeat_ngram_size": 2, "length_penalty": 0.6}


@pytest.fixture(scope="module")
def mbart_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny mBART that scales its embeddings by sqrt(d_model), as mBART-large does: the decoder's compact
    embedding must keep that scale."""
    directory = build_tiny("mbart", tmp_path_factory.mktemp("mbart"))
    config = json.loads((directory / "config.json").read_text(encoding="utf-8"))
    (directory / "config.json").write_text(json.dumps({**config, "scale_embedding": True}), encoding="utf-8")
    return directory


@pytest.fixture(scope="module")
def checkpoints(tiny_models: Path, mbart_dir: Path) -> dict[str, Path]:
    return {"mt5": tiny_models / "summarizer", "mbart": mbart_dir}


def load(directory: Path, output_vocab: str, quantize: str = "none") -> LoadedModel:
    return load_seq2seq(str(directory), device=CPU, quantize=quantize, output_vocab=output_vocab)


def allowed_ids(loaded: LoadedModel) -> set[int]:
    assert loaded.vocabulary is not None
    return set(loaded.vocabulary.full_ids.tolist())


def generated(engine: Seq2SeqEngine, texts: list[str], **settings: object) -> list[list[int]]:
    """Generated ids per text, without the decoder start token."""
    return [row[1:].tolist() for row in engine.generate_ids(texts, **settings)]


@pytest.mark.parametrize(
    ("piece", "kept"),
    [
        ("▁الرئيس", True),
        ("ّ", True),  # shadda, a diacritic
        ("٢٠٢٤", True),
        ("2024", True),
        ("،", True),
        ("؟", True),
        ("«", True),
        ("%", True),
        ("$", True),
        ("ﻻ", True),  # lam-alef in Arabic Presentation Forms-B
        ("▁", True),
        ("▁the", False),
        ("é", False),
        ("ال-news", False),
        ("🙂", False),
        ("", False),
    ],
)
def test_arabic_pieces_are_told_from_the_rest(piece: str, kept: bool) -> None:
    assert is_arabic_output_piece(piece) is kept


def test_arabic_output_ids_keep_arabic_digits_punctuation_and_special_tokens(engines: Engines) -> None:
    tokenizer = engines.summarizer.engine.loaded.tokenizer
    ids = arabic_output_ids(tokenizer)
    assert ids == sorted(set(ids))
    kept = {tokenizer.convert_ids_to_tokens(token_id) for token_id in ids}
    assert {"▁ال", "▁الرئيس", "ّ", "،", "؟", ".", ",", "!", "٠", "٢", "3", "5", "▁"} <= kept
    specials = {tokenizer.pad_token_id, tokenizer.eos_token_id, tokenizer.unk_token_id, *tokenizer.all_special_ids}
    assert specials <= set(ids)
    assert "<extra_id_0>" in kept
    assert not {"▁the", "e", "ation", "K", "▁minister"} & kept
    assert 0 < len(ids) < len(tokenizer)


@pytest.mark.parametrize("family", ["mt5", "mbart"])
def test_kept_tokens_get_the_full_models_logits(checkpoints: dict[str, Path], family: str) -> None:
    full, restricted = load(checkpoints[family], "full"), load(checkpoints[family], "arabic")
    vocabulary = restricted.vocabulary
    assert vocabulary is not None
    start = int(full.model.generation_config.decoder_start_token_id)
    prefix = [start, *sorted(allowed_ids(restricted) - {start})[5:25:4]]
    rows = [prefix, [start, *prefix[:0:-1]]]
    batch = full.tokenizer(ARTICLES[:2], return_tensors="pt", padding=True)
    compact = torch.tensor([[vocabulary.to_compact(token_id) for token_id in row] for row in rows])
    with torch.inference_mode():
        expected = full.model(**batch, decoder_input_ids=torch.tensor(rows)).logits
        logits = restricted.model(**batch, decoder_input_ids=compact).logits
    assert logits.shape[-1] == vocabulary.size
    # Same computation; a head of another width may round its matrix product differently in the last bit.
    torch.testing.assert_close(logits, expected[..., vocabulary.full_ids], rtol=1e-5, atol=1e-4)


def test_greedy_output_is_the_full_models_until_it_picks_a_disallowed_token(engines: Engines) -> None:
    restricted = engines.summarizer.engine.loaded
    allowed = allowed_ids(restricted)
    full = Seq2SeqEngine(load(Path(restricted.source), "full"), role="summarizer")
    ours = Seq2SeqEngine(restricted, role="summarizer")
    agreed = wholly_allowed = 0
    for max_new_tokens in (5, 24):
        settings = {"num_beams": 1, "max_new_tokens": max_new_tokens}
        for expected, got in zip(generated(full, INPUTS, **settings), generated(ours, INPUTS, **settings), strict=True):
            first_disallowed = next((i for i, token in enumerate(expected) if token not in allowed), len(expected))
            assert got[:first_disallowed] == expected[:first_disallowed]
            assert set(got) <= allowed
            agreed += first_disallowed
            wholly_allowed += first_disallowed == len(expected)
    # Random weights often pick Latin pieces; the comparison must still have exercised whole outputs that lie in
    # the allowed set (identical end to end) and agreeing prefixes of the others.
    assert wholly_allowed >= 1 and agreed >= len(INPUTS)


def test_each_greedy_step_picks_the_full_models_best_allowed_token(engines: Engines) -> None:
    restricted = engines.summarizer.engine.loaded
    allowed = torch.tensor(sorted(allowed_ids(restricted)))
    full = load(Path(restricted.source), "full")
    config = full.model.generation_config
    settings = {"num_beams": 1, "max_new_tokens": 24, "min_new_tokens": 0, "suppress_tokens": []}
    outputs = Seq2SeqEngine(restricted, role="summarizer").generate_ids(INPUTS[:6], **settings)
    batch = full.tokenizer(INPUTS[:6], return_tensors="pt", padding=True)
    with torch.inference_mode():
        logits = full.model(**batch, decoder_input_ids=outputs[:, :-1]).logits
    steps = 0
    for row, row_logits in zip(outputs, logits, strict=True):
        for step, token in enumerate(row[1:].tolist()):
            best = int(allowed[row_logits[step, allowed].argmax()])
            assert token == best, f"step {step}: restricted chose {token}, the full model's best allowed is {best}"
            steps += 1
            if token == config.eos_token_id:
                break
    assert steps >= 24


def negligible_disallowed(loaded: LoadedModel, allowed: set[int]) -> LoadedModel:
    """A copy of a full model whose disallowed tokens get a logit 10,000 below the rest: what a trained Arabic
    summarizer does to Latin pieces, to the extreme. mT5's head gets the offset as a bias, mBART's is its own
    final_logits_bias."""
    model = copy.deepcopy(loaded.model)
    size = int(model.config.vocab_size)
    offset = torch.tensor([0.0 if token_id in allowed else -1e4 for token_id in range(size)])
    if hasattr(model, "final_logits_bias"):
        model.final_logits_bias = model.final_logits_bias + offset
    else:
        head = nn.Linear(model.lm_head.in_features, size, bias=True)
        head.weight, head.bias = model.lm_head.weight, nn.Parameter(offset)
        model.lm_head = head
    return dataclasses.replace(loaded, model=model)


@pytest.mark.parametrize("family", ["mt5", "mbart"])
def test_beam_search_is_identical_when_disallowed_tokens_have_negligible_probability(
    checkpoints: dict[str, Path], family: str
) -> None:
    reference = load(checkpoints[family], "arabic")
    allowed = allowed_ids(reference)
    full = negligible_disallowed(load(checkpoints[family], "full"), allowed)
    model = copy.deepcopy(full.model)
    vocabulary = restrict_output_vocabulary(model, arabic_output_ids(full.tokenizer), "arabic")
    assert vocabulary is not None and set(vocabulary.full_ids.tolist()) == allowed
    restricted = dataclasses.replace(full, model=model, vocabulary=vocabulary)
    texts = INPUTS[:8]
    expected = Seq2SeqEngine(full, role="summarizer").generate_ids(texts, **BEAM)
    got = Seq2SeqEngine(restricted, role="summarizer").generate_ids(texts, **BEAM)
    assert torch.equal(got, expected)
    assert set(expected.flatten().tolist()) <= allowed
    assert (expected[:, 1:] != full.tokenizer.pad_token_id).sum(dim=1).min() >= 4
    # The premise: along the outputs, every disallowed token trails the best allowed one by far more than 40 nats.
    batch = full.tokenizer(texts, return_tensors="pt", padding=True)
    with torch.inference_mode():
        logits = full.model(**batch, decoder_input_ids=expected[:, :-1]).logits
    banned = torch.tensor([token_id not in allowed for token_id in range(logits.shape[-1])])
    assert (logits[..., ~banned].amax(-1) - logits[..., banned].amax(-1)).min() > 40


def test_restricted_model_never_generates_a_disallowed_token(engines: Engines) -> None:
    engine = engines.summarizer.engine
    allowed = allowed_ids(engine.loaded)
    for settings in ({"num_beams": 1}, BEAM):
        assert {token for row in generated(engine, INPUTS, **settings) for token in row} <= allowed


@pytest.mark.parametrize("settings", [{"num_beams": 1}, BEAM], ids=["greedy", "beam"])
def test_restricted_batch_equals_one_by_one(engines: Engines, settings: dict[str, object]) -> None:
    engine = engines.summarizer.engine
    assert engine.vocabulary is not None
    batched = engine.generate(ARTICLES, **settings)
    assert batched == [engine.generate([article], **settings)[0] for article in ARTICLES]
    assert all(summary.strip() for summary in batched)


def test_int8_quantizes_the_restricted_head_and_generates(tiny_models: Path) -> None:
    loaded = load(tiny_models / "summarizer", "arabic", quantize="int8")
    assert loaded.quantization == "int8" and loaded.vocabulary is not None
    assert "quantized" in type(loaded.model.lm_head).__module__
    assert loaded.model.lm_head.out_features == loaded.vocabulary.size
    engine = Seq2SeqEngine(loaded, role="summarizer")
    assert all(summary.strip() for summary in engine.generate(ARTICLES, **BEAM))
    assert {token for row in generated(engine, ARTICLES, **BEAM) for token in row} <= allowed_ids(loaded)


def test_full_setting_leaves_the_summarizer_untouched(tiny_settings: Settings, engines: Engines) -> None:
    assert tiny_settings.summarizer_output_vocab == "arabic"
    restricted = engines.summarizer.engine
    size = len(restricted.loaded.tokenizer)
    kept = len(arabic_output_ids(restricted.loaded.tokenizer))
    assert restricted.describe()["output_vocabulary"] == {"restricted": "arabic", "size": kept, "of": size}
    assert restricted.loaded.model.lm_head.out_features == kept < size
    full = load_engines(tiny_settings.model_copy(update={"summarizer_output_vocab": "full"}))
    model = full.summarizer.engine.loaded.model
    assert full.summarizer.engine.vocabulary is None
    assert model.lm_head.out_features == model.get_decoder().embed_tokens.num_embeddings == size
    assert full.summarizer.engine.describe()["output_vocabulary"] == {"restricted": None, "size": size, "of": size}
    # The translator writes English: never restricted, whatever the summarizer's setting.
    assert engines.translator.engine.vocabulary is None


def test_output_vocab_setting_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KHULASA_SUMMARIZER_OUTPUT_VOCAB", "full")
    assert Settings().summarizer_output_vocab == "full"
    monkeypatch.setenv("KHULASA_SUMMARIZER_OUTPUT_VOCAB", "latin")
    with pytest.raises(ValidationError, match="summarizer_output_vocab"):
        Settings()


def test_restriction_drops_the_full_head(tiny_models: Path, tmp_path: Path) -> None:
    # An untied head, as in the real mT5 checkpoints (the tiny one shares its input embedding).
    model = AutoModelForSeq2SeqLM.from_pretrained(tiny_models / "summarizer")
    model.lm_head.weight = nn.Parameter(torch.randn_like(model.lm_head.weight))
    model.save_pretrained(tmp_path)
    AutoTokenizer.from_pretrained(tiny_models / "summarizer").save_pretrained(tmp_path)
    full = load_seq2seq(str(tmp_path), device=CPU, quantize="none")
    restricted = load_seq2seq(str(tmp_path), device=CPU, quantize="none", output_vocab="arabic")
    assert full.model.lm_head.weight.data_ptr() != full.model.shared.weight.data_ptr()
    vocabulary = restricted.vocabulary
    assert vocabulary is not None
    size, kept, width = int(full.model.config.vocab_size), vocabulary.size, int(full.model.config.d_model)
    assert restricted.model.lm_head.weight.shape == (kept, width)
    assert restricted.model.get_decoder().embed_tokens.weight.shape == (kept, width)
    full_count = sum(parameter.numel() for parameter in full.model.parameters())
    # The full head's rows are gone; the decoder gets its own kept rows; the encoder keeps the whole embedding.
    expected = full_count - size * width + 2 * kept * width
    assert sum(parameter.numel() for parameter in restricted.model.parameters()) == expected
    assert restricted.model.get_encoder().embed_tokens.weight.shape == (size, width)


def test_model_families_that_cannot_be_restricted_load_in_full(
    tiny_models: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="service.engines.vocabulary"):
        loaded = load(tiny_models / "translator", "arabic")
    assert loaded.vocabulary is None
    assert loaded.model.lm_head.out_features == loaded.model.config.vocab_size
    assert "not restricted" in caplog.text


def test_generation_settings_move_to_compact_ids() -> None:
    vocabulary = OutputVocabulary("arabic", [0, 1, 2, 7, 9], full_size=12, device=CPU)
    settings = {
        "eos_token_id": [1, 9],
        "pad_token_id": 0,
        "forced_bos_token_id": 7,
        "suppress_tokens": [2, 5, 9],
        "bad_words_ids": [[7, 9], [7, 8]],
        "num_beams": 4,
    }
    assert vocabulary.remap_generation(settings) == {
        "eos_token_id": [1, 4],
        "pad_token_id": 0,
        "forced_bos_token_id": 3,
        "suppress_tokens": [2, 4],
        "bad_words_ids": [[3, 4]],  # [7, 8] can never be generated: nothing to ban
        "num_beams": 4,
    }
    assert vocabulary.to_full(torch.tensor([[0, 3, 4]])).tolist() == [[0, 7, 9]]
    with pytest.raises(ConfigError, match="eos_token_id=5"):
        vocabulary.remap_generation({"eos_token_id": 5})
    with pytest.raises(ConfigError, match="sequence_bias"):
        vocabulary.remap_generation({"sequence_bias": {(7,): 1.0}})


def test_engine_refuses_at_startup_a_setting_outside_the_vocabulary(engines: Engines) -> None:
    loaded = engines.summarizer.engine.loaded
    latin = int(loaded.tokenizer.convert_tokens_to_ids("▁the"))
    with pytest.raises(ConfigError, match="KHULASA_SUMMARIZER_OUTPUT_VOCAB=full"):
        Seq2SeqEngine(loaded, role="summarizer", generate_overrides={"forced_bos_token_id": latin})
