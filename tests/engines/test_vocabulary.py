"""The Arabic output vocabulary: which tokens it keeps, how the model and settings are cut, the switch."""

import logging
from pathlib import Path

import pytest
import torch
from pydantic import ValidationError
from torch import nn
from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

from service.config import Settings
from service.engines.factory import Engines, load_engines
from service.engines.torch_backend.loading import load_seq2seq
from service.engines.torch_backend.seq2seq import Seq2SeqEngine
from service.engines.torch_backend.vocabulary import OutputVocabulary, arabic_output_ids, is_arabic_output_piece
from service.errors import ConfigError
from tests.engines.test_vocabulary_outputs import ARTICLES, BEAM, CPU, allowed_ids, generated, load


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
    pieces = dict(zip(tokenizer.all_special_ids, tokenizer.all_special_tokens, strict=True))
    sentinels = {token_id for token_id, piece in pieces.items() if piece.startswith("<extra_id_")}
    assert len(sentinels) == 100  # T5's span-filling markers: special, but never summary text
    specials = {tokenizer.pad_token_id, tokenizer.eos_token_id, tokenizer.unk_token_id, *tokenizer.all_special_ids}
    assert specials - sentinels <= set(ids)
    assert not sentinels & set(ids)
    assert not {"▁the", "e", "ation", "K", "▁minister"} & kept
    assert 0 < len(ids) < len(tokenizer)


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
    with caplog.at_level(logging.INFO, logger="service.engines.torch_backend.vocabulary"):
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
