"""Conversion of a Hugging Face checkpoint for CTranslate2: the one place outside the torch backend that imports
transformers (and, through CTranslate2's converter, torch). Servers never import it: they convert in a child process
(service.engines.ct2.cache), or not at all when the conversion is cached.

Beside the converted weights it writes what serving needs instead of transformers:
- the tokenizer's own files: `tokenizer.json` (tokenizers-backed tokenizers: mT5, mBART, NLLB) or Marian's
  `source.spm`, `target.spm` and `vocab.json`;
- `khulasa.json` (service.engines.ct2.tokens.SPEC_FILE): the model family, the special ids a tokenizer adds around a
  text, the decoder start and language codes, the checkpoint's generation settings and input limits;
- `vmap.txt`: the tokens Arabic output may use (the torch path's restricted head, `arabic_output_ids`).
"""

import json
import logging
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from transformers import AutoConfig, AutoTokenizer, GenerationConfig

from service.engines.catalog import LANGUAGE_CODES
from service.engines.ct2.tokens import SPEC_FILE, SPEC_FORMAT
from service.errors import ConfigError, ModelLoadError

log = logging.getLogger(__name__)

# Text the special tokens a tokenizer adds around an input are found with (any text without special tokens will do).
_PROBE = "مرحبا بالعالم"


def arabic_output_tokens(tokenizer: Any, vocabulary: list[str]) -> list[str]:
    """The converted vocabulary's tokens the Arabic summarizer may write: those of `arabic_output_ids`, the same set
    the torch path restricts its head to."""
    from service.engines.torch_backend.vocabulary import arabic_output_ids

    known = set(vocabulary)
    return [piece for piece in tokenizer.convert_ids_to_tokens(arabic_output_ids(tokenizer)) if piece in known]


def _converter_class() -> Any:
    from ctranslate2.converters import TransformersConverter

    class Converter(TransformersConverter):
        """CTranslate2's converter reads `normalize_before` from mBART configs, which transformers 5 no longer
        writes; mBART is pre-norm, as the converter's own mBART path assumes."""

        def load_model(self, model_class: Any, model_name_or_path: str, **kwargs: Any) -> Any:
            model = super().load_model(model_class, model_name_or_path, **kwargs)
            if model.config.model_type == "mbart" and not hasattr(model.config, "normalize_before"):
                model.config.normalize_before = True
            return model

        def load_tokenizer(self, tokenizer_class: Any, model_name_or_path: str, **kwargs: Any) -> Any:
            return _EveryId(super().load_tokenizer(tokenizer_class, model_name_or_path, **kwargs))

    return Converter


class _EveryId:
    """A tokenizer whose `get_vocab` names every id: fairseq-style tokenizers (mBART) map `<unk>` to the
    sentencepiece id as well as to its own, leaving a hole the converter would count one token short."""

    def __init__(self, tokenizer: Any) -> None:
        self._tokenizer = tokenizer

    def __getattr__(self, name: str) -> Any:
        return getattr(self._tokenizer, name)

    def get_vocab(self) -> dict[str, int]:
        vocabulary: dict[str, int] = self._tokenizer.get_vocab()
        if len(set(vocabulary.values())) == len(self._tokenizer):
            return vocabulary
        # The converter sorts tokens by id; a name per id (a repeated one made unique) keeps every row.
        named: dict[str, int] = {}
        for token_id, token in enumerate(self._tokenizer.convert_ids_to_tokens(list(range(len(self._tokenizer))))):
            named[token if token not in named else f"{token}#{token_id}"] = token_id
        return named


def _start_as_transformers_does(checkpoint: Path, converted: Path, tokenizer: Any) -> None:
    """mBART checkpoints whose tokenizer class is MBartTokenizer convert without a decoder start token (the
    mBART-25 convention of starting from the language code); `generate` starts from the configured
    decoder_start_token_id, then the forced language code. Start where `generate` does."""
    config_path = converted / "config.json"
    config = json.loads(config_path.read_text(encoding="utf-8"))
    if config.get("decoder_start_token") is not None:
        return
    hf_config = json.loads((checkpoint / "config.json").read_text(encoding="utf-8"))
    start = hf_config.get("decoder_start_token_id")
    if start is not None:
        config["decoder_start_token"] = tokenizer.convert_ids_to_tokens(int(start))
        config_path.write_text(json.dumps(config, indent=2), encoding="utf-8")


def family_of(tokenizer: Any, model_type: str) -> str:
    """The catalog family whose language codes apply: NLLB checkpoints say m2m_100 but tokenize as NLLB."""
    return "nllb" if "Nllb" in type(tokenizer).__name__ else model_type


def _source_language(tokenizer: Any, family: str, src_lang: str | None) -> str | None:
    """The source-language code the tokenizer marks inputs with (the catalog's, else the family's), if it has it."""
    code = src_lang or LANGUAGE_CODES.get(family, {}).get("translator", (None, None))[0]
    known = tokenizer.get_vocab()
    if code is not None and (code in known or f"__{code}__" in known):
        tokenizer.src_lang = code
        return code
    return None


def _added_around(tokenizer: Any) -> tuple[list[int], list[int]]:
    """The ids the tokenizer puts before and after a text's own (language code, end of sequence)."""
    plain = tokenizer(_PROBE, add_special_tokens=False)["input_ids"]
    full = tokenizer(_PROBE)["input_ids"]
    for start in range(len(full) - len(plain) + 1):
        if full[start : start + len(plain)] == plain:
            return full[:start], full[start + len(plain) :]
    raise ConfigError(f"{type(tokenizer).__name__}: cannot tell its special tokens from the text's own")


def save_tokenizer(tokenizer: Any, checkpoint: Path, target: Path) -> dict[str, Any]:
    """Write the tokenizer's files into `target`; returns the spec's "tokenizer" entry."""
    if getattr(tokenizer, "backend_tokenizer", None) is not None:
        tokenizer.backend_tokenizer.save(str(target / "tokenizer.json"))
        kind = "tokenizers"
        bpe = type(tokenizer.backend_tokenizer.model).__name__ == "BPE"
        forced = getattr(tokenizer, "clean_up_tokenization_spaces_for_bpe_even_though_it_will_corrupt_output", False)
        clean_up = bool(tokenizer.clean_up_tokenization_spaces) and (not bpe or bool(forced))
    elif type(tokenizer).__name__ == "MarianTokenizer" and not tokenizer.separate_vocabs:
        for name in ("source.spm", "target.spm", "vocab.json"):
            shutil.copyfile(checkpoint / name, target / name)
        kind = "marian"
        clean_up = bool(tokenizer.clean_up_tokenization_spaces)
    else:
        raise ConfigError(
            f"{type(tokenizer).__name__}: the ctranslate2 backend serves tokenizers-backed and Marian tokenizers only"
        )
    before, after = _added_around(tokenizer)
    return {
        "kind": kind,
        "prefix": before,
        "suffix": after,
        "special_ids": sorted(int(i) for i in tokenizer.all_special_ids),
        "unk_token": tokenizer.unk_token,
        "eos_token": tokenizer.eos_token,
        "model_max_length": int(min(tokenizer.model_max_length, 1 << 40)),
        "clean_up_tokenization_spaces": clean_up,
    }


def write_spec(directory: Path, target: Path, source: str, src_lang: str | None) -> None:
    """The tokenizer files, `khulasa.json` and `vmap.txt` of a converted model, from its checkpoint."""
    tokenizer = AutoTokenizer.from_pretrained(directory)
    config = AutoConfig.from_pretrained(directory)
    model_type = str(config.model_type)
    family = family_of(tokenizer, model_type)
    source_lang = _source_language(tokenizer, family, src_lang)
    _start_as_transformers_does(directory, target, tokenizer)
    try:
        generation = GenerationConfig.from_pretrained(directory).to_diff_dict()
    except OSError:
        generation = {}
    positions = getattr(config, "max_position_embeddings", None)
    spec = {
        "format": SPEC_FORMAT,
        "source": source,
        "model_type": model_type,
        "family": family,
        "source_lang": source_lang,
        "max_position_embeddings": int(positions) if positions else None,
        "generation": generation,
        "tokenizer": save_tokenizer(tokenizer, directory, target),
    }
    (target / SPEC_FILE).write_text(json.dumps(spec, indent=1, ensure_ascii=False), encoding="utf-8")
    vocabulary = json.loads((target / "shared_vocabulary.json").read_text(encoding="utf-8"))
    allowed = arabic_output_tokens(tokenizer, vocabulary)
    (target / "vmap.txt").write_text("\t" + " ".join(allowed) + "\n", encoding="utf-8")


def convert(source: str, directory: Path, target: Path, quantization: str, src_lang: str | None = None) -> Path:
    """Convert the checkpoint in `directory` into `target` (atomically: written beside, renamed into place, so a crash
    or a second process never leaves half a model); returns `target`."""
    target.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        converter = _converter_class()(str(directory), low_cpu_mem_usage=True)
        converter.convert(str(scratch / "model"), quantization=quantization)
        write_spec(directory, scratch / "model", source, src_lang)
        try:
            os.rename(scratch / "model", target)
        except OSError:
            if not (target / "model.bin").is_file():  # another process finished first: theirs is as good
                raise
    except ConfigError:
        raise
    except Exception as error:  # noqa: BLE001 - the converter raises anything from a broken checkpoint
        reason = " ".join(f"{type(error).__name__}: {error}".split())
        raise ModelLoadError(f"cannot load model {source}: converting it for CTranslate2 failed: {reason}") from error
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    log.info("converted %s for CTranslate2 (%s) into %s", source, quantization, target)
    return target
