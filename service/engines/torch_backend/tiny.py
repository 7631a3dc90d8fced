"""Tiny checkpoints for tests and offline trials: real configs, real sentencepiece tokenizers, random weights.

The tokenizers are trained on `tiny_corpus.txt`, text the project wrote. The checkpoints load through exactly the
code path a real one does (AutoTokenizer + AutoModelForSeq2SeqLM from a directory).
"""

import io
import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sentencepiece as spm
import torch
from transformers import (
    AutoTokenizer,
    GenerationConfig,
    M2M100Config,
    M2M100ForConditionalGeneration,
    MarianConfig,
    MarianMTModel,
    MarianTokenizer,
    MBartConfig,
    MBartForConditionalGeneration,
    MT5Config,
    MT5ForConditionalGeneration,
    PreTrainedModel,
)

log = logging.getLogger(__name__)

CORPUS = Path(__file__).with_name("tiny_corpus.txt")
FAMILIES = ("mt5", "marian", "mbart", "nllb")
_VOCAB = 400
_WIDTH = {"d_model": 32, "layers": 2, "heads": 4, "ffn": 64}


def _train_spm(sentences: list[str] | None = None, vocab_size: int = _VOCAB, **ids: Any) -> bytes:
    """A unigram sentencepiece model (by default over the project's corpus); special-token ids as each family
    expects them."""
    model = io.BytesIO()
    if sentences is None:
        sentences = [line for line in CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()]
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(sentences),
        model_writer=model,
        vocab_size=vocab_size,
        hard_vocab_limit=False,
        model_type="unigram",
        character_coverage=1.0,
        num_threads=1,
        minloglevel=2,
        **{f"{name}_id": value for name, value in ids.items()},
    )
    return model.getvalue()


def _bart_like(config_cls: Any, vocab_size: int, *, architecture: dict[str, Any] | None = None, **extra: Any) -> Any:
    w = _WIDTH
    shape: dict[str, Any] = dict(
        vocab_size=vocab_size,
        d_model=w["d_model"],
        encoder_layers=w["layers"],
        decoder_layers=w["layers"],
        encoder_attention_heads=w["heads"],
        decoder_attention_heads=w["heads"],
        encoder_ffn_dim=w["ffn"],
        decoder_ffn_dim=w["ffn"],
        max_position_embeddings=256,
        # Default init (0.02) leaves cross-attention so weak that random outputs ignore the input.
        init_std=0.5,
    )
    return config_cls(**{**shape, **(architecture or {}), **extra})


def _mt5(
    directory: Path,
    sentences: list[str] | None = None,
    spm_vocab: int = _VOCAB,
    architecture: dict[str, Any] | None = None,
) -> PreTrainedModel:
    (directory / "spiece.model").write_bytes(_train_spm(sentences, spm_vocab, pad=0, eos=1, unk=2, bos=-1))
    tokenizer = _load_spm_tokenizer(directory, "T5Tokenizer")
    w = _WIDTH
    shape: dict[str, Any] = dict(
        vocab_size=len(tokenizer),
        d_model=w["d_model"],
        d_kv=w["d_model"] // w["heads"],
        d_ff=w["ffn"],
        num_layers=w["layers"],
        num_decoder_layers=w["layers"],
        num_heads=w["heads"],
        feed_forward_proj="gated-gelu",
        tie_word_embeddings=False,
        # At the default scale the random decoder ignores the encoder and every input gets the same output.
        initializer_factor=3.0,
    )
    ids = {"pad_token_id": 0, "eos_token_id": 1, "decoder_start_token_id": 0}
    return MT5ForConditionalGeneration(MT5Config(**{**shape, **(architecture or {}), **ids}))


def _marian(
    directory: Path,
    sentences: list[str] | None = None,
    spm_vocab: int = _VOCAB,
    architecture: dict[str, Any] | None = None,
) -> PreTrainedModel:
    model = _train_spm(sentences, spm_vocab, eos=0, unk=1, pad=-1, bos=-1)
    for name in ("source.spm", "target.spm"):
        (directory / name).write_bytes(model)
    processor = spm.SentencePieceProcessor(model_proto=model)
    vocab = {processor.id_to_piece(i): i for i in range(processor.get_piece_size())}
    # A real Marian vocabulary is larger than a small corpus yields: fill it so every id the model can emit
    # decodes, with the pad token last as in the opus-mt checkpoints.
    size = max(int((architecture or {}).get("vocab_size", 0)), len(vocab) + 1)
    vocab.update({f"<unused{i}>": i for i in range(len(vocab), size - 1)})
    vocab["<pad>"] = size - 1
    (directory / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    tokenizer = MarianTokenizer(
        source_spm=str(directory / "source.spm"),
        target_spm=str(directory / "target.spm"),
        vocab=str(directory / "vocab.json"),
        source_lang="ar",
        target_lang="en",
    )
    tokenizer.save_pretrained(directory)
    pad = vocab["<pad>"]
    config = _bart_like(
        MarianConfig,
        len(vocab),
        architecture=architecture,
        pad_token_id=pad,
        decoder_start_token_id=pad,
        eos_token_id=0,
        forced_eos_token_id=0,
    )
    return MarianMTModel(config)


def _load_spm_tokenizer(directory: Path, tokenizer_class: str, **config: Any) -> Any:
    """transformers 5 builds a fast tokenizer from the .model file; the class must be named up front."""
    config = {"tokenizer_class": tokenizer_class, **config}
    (directory / "tokenizer_config.json").write_text(json.dumps(config), encoding="utf-8")
    tokenizer = AutoTokenizer.from_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return tokenizer


def _fairseq_style(directory: Path, tokenizer_class: str, codes: list[str]) -> Any:
    (directory / "sentencepiece.bpe.model").write_bytes(_train_spm(bos=0, pad=1, eos=2, unk=3))
    return _load_spm_tokenizer(directory, tokenizer_class, extra_special_tokens=codes)


def _mbart(directory: Path) -> PreTrainedModel:
    tokenizer = _fairseq_style(directory, "MBartTokenizer", ["ar_AR", "en_XX"])
    ids: dict[str, Any] = {"pad_token_id": 1, "bos_token_id": 0, "eos_token_id": 2, "decoder_start_token_id": 2}
    return MBartForConditionalGeneration(_bart_like(MBartConfig, len(tokenizer), **ids))


def _nllb(directory: Path) -> PreTrainedModel:
    tokenizer = _fairseq_style(directory, "NllbTokenizer", ["arb_Arab", "eng_Latn"])
    ids: dict[str, Any] = {"pad_token_id": 1, "bos_token_id": 0, "eos_token_id": 2, "decoder_start_token_id": 2}
    return M2M100ForConditionalGeneration(_bart_like(M2M100Config, len(tokenizer), **ids))


_BUILDERS: dict[str, Callable[[Path], PreTrainedModel]] = {
    "mt5": _mt5,
    "marian": _marian,
    "mbart": _mbart,
    "nllb": _nllb,
}


def _generation_config(model: PreTrainedModel, tokenizer: Any, max_new_tokens: int) -> GenerationConfig:
    """Random weights would often stop at once or emit only unprintable pieces; keep tiny outputs visible."""
    # Language codes stay allowed: NLLB and mBART force one as the first generated token.
    named = (tokenizer.unk_token_id, tokenizer.pad_token_id, tokenizer.bos_token_id, tokenizer.mask_token_id)
    hidden = {tokenizer.convert_tokens_to_ids("▁"), *named} - {model.config.eos_token_id}
    return GenerationConfig(
        max_new_tokens=max_new_tokens,
        min_new_tokens=4,
        suppress_tokens=sorted(i for i in hidden if i is not None),
        pad_token_id=model.config.pad_token_id,
        eos_token_id=model.config.eos_token_id,
        decoder_start_token_id=model.config.decoder_start_token_id,
        # As in the opus-mt checkpoints: generate forces end-of-sequence at the last allowed step.
        forced_eos_token_id=getattr(model.config, "forced_eos_token_id", None),
    )


def build_tiny(family: str, directory: Path, *, seed: int = 0, max_new_tokens: int = 24) -> Path:
    """Write a tiny checkpoint of `family` (mt5, marian, mbart, nllb) into `directory`; returns the directory."""
    if family not in _BUILDERS:
        raise ValueError(f"unknown family {family!r}; choose one of {', '.join(FAMILIES)}")
    directory.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(seed)
    model = _BUILDERS[family](directory)
    tokenizer = AutoTokenizer.from_pretrained(directory)
    model.generation_config = _generation_config(model, tokenizer, max_new_tokens)
    model.save_pretrained(directory)
    log.info("wrote tiny %s checkpoint to %s", family, directory)
    return directory


def build_sized(
    family: str, directory: Path, *, sentences: list[str], spm_vocab: int, architecture: dict[str, Any], seed: int = 0
) -> Path:
    """A random-weight mt5 or marian checkpoint of a real model's shape (benchmarks): the tokenizer is trained on
    `sentences` with about `spm_vocab` pieces; `architecture` sets the config (d_model, layers, vocab_size, ...)."""
    builders = {"mt5": _mt5, "marian": _marian}
    if family not in builders:
        raise ValueError(f"no sized builder for {family!r}; choose mt5 or marian")
    directory.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(seed)
    shape = {key: value for key, value in architecture.items() if key != "model_type"}
    model = builders[family](directory, sentences, spm_vocab, shape)
    if family == "mt5" and shape.get("tie_word_embeddings") is False:
        _untie_head(model)
    model.save_pretrained(directory)
    return directory


def _untie_head(model: PreTrainedModel) -> None:
    """Give lm_head weights of its own, as real mT5 checkpoints have (768 MB of the 250k head in mT5-base).

    transformers 5 forces MT5Config.tie_word_embeddings to True, so a freshly built mT5 shares the input embedding
    as its head; a saved head that differs from the embedding is loaded untied, as the real checkpoints are.
    """
    head = model.get_output_embeddings()
    weight = torch.empty_like(head.weight).normal_(std=float(model.config.initializer_factor))
    head.weight = torch.nn.Parameter(weight)


def build_tiny_pair(directory: Path) -> tuple[Path, Path]:
    """The `khulasa models tiny DIR` layout: DIR/summarizer (mT5-style) and DIR/translator (Marian-style)."""
    return build_tiny("mt5", directory / "summarizer"), build_tiny("marian", directory / "translator")
