"""The CTranslate2 backend: the configured Hugging Face checkpoint converted once, cached, served through the
engine protocol (service.engines.base) with the torch path's guarantees.

- Conversion: the checkpoint (hub id at a revision, or a local directory) is converted with CTranslate2's own
  Transformers converter into `<cache>/<model>--<revision>--<quantization>`, written beside and renamed into place
  so a crash or a second process never leaves half a model; later starts load the cached directory. The cache sits
  beside the Hugging Face cache (`$HF_HOME/khulasa-ctranslate2`) unless KHULASA_CT2_CACHE names another place.
- Arabic output: every converted model carries a `vmap.txt` whose one line (empty source key) lists the tokens
  Arabic output can use, the same set as the torch path's restricted head (`vocabulary.arabic_output_ids`); the
  summarizer decodes with `use_vmap=True`, so the output layer is computed for those rows only.
- Generation settings: the checkpoint's generation_config.json, then the catalog's, then KHULASA_*_GENERATE, mapped
  to `translate_batch` arguments; a setting CTranslate2 cannot honour stops startup with a ConfigError.
- Per-row length caps: one batched call up to the longest cap; rows whose cap would have bound are decoded again,
  grouped by cap, so a batched row equals the row decoded alone.
- Cancellation: greedy search stops at the next step (CTranslate2's step callback); beam search offers no per-step
  hook, so an abandoned beam batch stops when it ends and its result is discarded.
"""

import hashlib
import json
import logging
import math
import os
import shutil
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from service.config import Settings, looks_like_local_path
from service.engines.base import OutputLengths, join_alternatives
from service.engines.cancel import current_check, raise_if_cancelled
from service.engines.catalog import LANGUAGE_CODES, ModelSpec, model_input_limit
from service.engines.chunking import fit_to_budget
from service.engines.threads import available_cpus
from service.errors import ConfigError, ModelLoadError, ResourceExhausted

log = logging.getLogger(__name__)

# Hugging Face model types CTranslate2's converter handles that the catalog's four families use.
SUPPORTED_MODEL_TYPES = frozenset({"mt5", "t5", "marian", "mbart", "m2m_100", "nllb-moe"})
_NO_BF16_OR_FP16 = {"t5", "mt5", "umt5"}
# Hugging Face `generate` settings and what they become; settings absent here that change the output are refused.
_IGNORED = {
    # Token ids the converted model already knows from its configuration, or that decoding does not need.
    "pad_token_id",
    "bos_token_id",
    "eos_token_id",
    "decoder_start_token_id",
    "forced_bos_token_id",
    "forced_eos_token_id",
    "early_stopping",
    "use_cache",
    "output_scores",
    "return_dict_in_generate",
    "transformers_version",
    "_from_model_config",
    "bad_words_ids",
    "renormalize_logits",
}


def installed() -> bool:
    """Whether the ctranslate2 package can be imported."""
    try:
        import ctranslate2  # noqa: F401
    except ImportError:
        return False
    return True


def cache_root(settings: Settings) -> Path:
    """Where converted models live: KHULASA_CT2_CACHE, else `$HF_HOME/khulasa-ctranslate2`."""
    if settings.ct2_cache is not None:
        return settings.ct2_cache
    from huggingface_hub import constants

    return Path(constants.HF_HOME) / "khulasa-ctranslate2"


def compute_type(device: str, model_type: str, quantize: str) -> str:
    """int8 on CPU (float32 with KHULASA_QUANTIZE=none); on CUDA float16, or bfloat16 for the T5 family (NaNs in
    float16), with int8 weights when KHULASA_QUANTIZE=int8."""
    if device == "cpu":
        return "float32" if quantize == "none" else "int8"
    half = "bfloat16" if model_type in _NO_BF16_OR_FP16 else "float16"
    return f"int8_{half}" if quantize == "int8" else half


def _fingerprint(directory: Path) -> str:
    """A local checkpoint's identity: the names, sizes and modification times of its files."""
    digest = hashlib.sha256(str(directory.resolve()).encode())
    for path in sorted(directory.iterdir()):
        if path.is_file():
            stat = path.stat()
            digest.update(f"{path.name}\0{stat.st_size}\0{stat.st_mtime_ns}\0".encode())
    return digest.hexdigest()[:16]


def _snapshot(source: str, revision: str | None) -> tuple[Path, str]:
    """The checkpoint's local directory and its revision key (a hub commit, or a local fingerprint)."""
    if looks_like_local_path(source):
        directory = Path(source).expanduser()
        return directory, "local-" + _fingerprint(directory)
    from huggingface_hub import snapshot_download

    from service.engines.download import SKIP_PATTERNS

    try:
        path = Path(snapshot_download(source, revision=revision, ignore_patterns=SKIP_PATTERNS))
    except Exception as error:  # noqa: BLE001 - the hub client raises many kinds
        raise ModelLoadError(f"cannot load model {source}: {' '.join(str(error).split())}") from error
    return path, path.name  # snapshots/<commit>


def converted_path(root: Path, source: str, revision_key: str, quantization: str) -> Path:
    """The cache directory of one conversion: keyed by model, revision and quantization."""
    name = Path(source).expanduser().name if looks_like_local_path(source) else source.replace("/", "--")
    return root / f"{name}--{revision_key}--{quantization}"


def arabic_output_tokens(tokenizer: Any, vocabulary: Sequence[str]) -> list[str]:
    """The converted vocabulary's tokens the Arabic summarizer may write: those of `arabic_output_ids`, the same set
    the torch path restricts its head to."""
    from service.engines.vocabulary import arabic_output_ids

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


def convert(source: str, directory: Path, target: Path, quantization: str) -> Path:
    """Convert the checkpoint in `directory` into `target` (atomically); returns `target`."""
    from transformers import AutoTokenizer

    _Converter = _converter_class()

    target.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        converter = _Converter(str(directory), low_cpu_mem_usage=True)
        converter.convert(str(scratch / "model"), quantization=quantization)
        tokenizer = AutoTokenizer.from_pretrained(directory)
        _start_as_transformers_does(directory, scratch / "model", tokenizer)
        vocabulary = json.loads((scratch / "model" / "shared_vocabulary.json").read_text(encoding="utf-8"))
        allowed = arabic_output_tokens(tokenizer, vocabulary)
        (scratch / "model" / "vmap.txt").write_text("\t" + " ".join(allowed) + "\n", encoding="utf-8")
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


def ensure_converted(settings: Settings, role: str, spec: ModelSpec | None) -> tuple[Path, Path, str, str]:
    """(checkpoint directory, converted directory, revision key, compute type), converting when not cached."""
    from transformers import AutoConfig

    source: str = getattr(settings, role)
    revision = getattr(settings, f"{role}_revision") or (spec.revision if spec else None)
    directory, revision_key = _snapshot(source, revision)
    try:
        model_type = str(AutoConfig.from_pretrained(directory).model_type)
    except Exception as error:  # noqa: BLE001
        raise ModelLoadError(f"cannot load model {source}: {' '.join(str(error).split())}") from error
    if model_type not in SUPPORTED_MODEL_TYPES:
        raise ConfigError(f"{source}: the ctranslate2 backend has no converter for {model_type} models")
    device = _device(settings)
    kind = compute_type(device, model_type, settings.quantize)
    target = converted_path(cache_root(settings), source, revision_key, kind)
    if not (target / "model.bin").is_file():
        _convert_in_child(source, directory, target, kind)
    return directory, target, revision_key, kind


def _convert_in_child(source: str, directory: Path, target: Path, quantization: str) -> None:
    """Convert in a process of its own: the converter holds the whole fp32 model in torch, and a server's memory
    should never carry that peak (nor the torch it imports)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        pool.submit(convert, source, directory, target, quantization).result()


def _device(settings: Settings) -> str:
    import ctranslate2

    if settings.device == "cpu":
        return "cpu"
    gpus = ctranslate2.get_cuda_device_count()
    if settings.device == "cuda" and gpus == 0:
        raise ConfigError("KHULASA_DEVICE=cuda but CTranslate2 sees no CUDA device")
    return "cuda" if gpus else "cpu"


def thread_layout(cpus: int) -> tuple[int, int]:
    """(inter_threads, intra_threads) for `cpus` CPUs: two workers that each take half of a batch keep both halves
    of a small machine busy, where one worker with every thread leaves cores idle between its small GEMMs."""
    inter = 2 if cpus >= 2 else 1
    return inter, max(1, cpus // inter)


def is_out_of_memory(error: BaseException) -> bool:
    """Whether CTranslate2 ran out of device or host memory (which the next request may not)."""
    if isinstance(error, MemoryError):
        return True
    text = str(error).lower()
    return isinstance(error, RuntimeError) and ("out of memory" in text or "bad_alloc" in text)


class CT2Engine:
    """A converted model, its tokenizer and generation settings: tokenize, one `translate_batch`, detokenize."""

    def __init__(
        self,
        settings: Settings,
        *,
        role: str,
        spec: ModelSpec | None = None,
        restrict_arabic: bool = False,
    ) -> None:
        import ctranslate2
        from transformers import AutoConfig, AutoTokenizer, GenerationConfig

        self.role = role
        self.spec = spec
        self.name: str = getattr(settings, role)
        directory, converted, self.revision, self.compute_type = ensure_converted(settings, role, spec)
        self.converted = converted
        try:
            self.tokenizer: Any = AutoTokenizer.from_pretrained(directory)
            config = AutoConfig.from_pretrained(directory)
            try:
                checkpoint_generation = GenerationConfig.from_pretrained(directory).to_diff_dict()
            except OSError:
                checkpoint_generation = {}
        except Exception as error:  # noqa: BLE001
            raise ModelLoadError(f"cannot load model {self.name}: {' '.join(str(error).split())}") from error
        self.model_type = str(config.model_type)
        self.vocabulary: list[str] = json.loads((converted / "shared_vocabulary.json").read_text(encoding="utf-8"))
        self._known = set(self.vocabulary)
        self.restrict_arabic = restrict_arabic
        self._allowed = len((converted / "vmap.txt").read_text(encoding="utf-8").split()) if restrict_arabic else None
        self.generation: dict[str, Any] = {
            **(spec.generation if spec else {}),
            **getattr(settings, f"{role}_generate"),
        }
        self._settings = {**checkpoint_generation, **self.generation}
        positions = getattr(config, "max_position_embeddings", None)
        self.max_positions = int(positions) if positions else None
        limit = getattr(settings, f"{role}_max_input_tokens") or (spec and spec.max_input_tokens)
        self.max_input_tokens = int(limit or self._model_limit())
        self._budget = self.max_input_tokens - self.tokenizer.num_special_tokens_to_add(pair=False)
        self._target_prefix = self._language_prefix()
        # The checkpoint's own file may hold anything transformers writes; settings we were given must all apply.
        self.options = self._options(self._settings, strict=set(self.generation))
        self._end: str = self.tokenizer.eos_token
        self._forced_end = self._settings.get("forced_eos_token_id") is not None
        device = _device(settings)
        cpus = settings.threads or available_cpus()
        self.inter_threads, intra = thread_layout(cpus) if device == "cpu" else (1, 0)
        try:
            self.translator = ctranslate2.Translator(
                str(converted),
                device=device,
                compute_type=self.compute_type,
                inter_threads=self.inter_threads,
                intra_threads=intra,
            )
        except Exception as error:  # noqa: BLE001
            raise ModelLoadError(f"cannot load converted model {converted}: {error}") from error
        self.device = device if device == "cpu" else "cuda:0"
        self.tokens_generated = 0
        self._count_lock = threading.Lock()
        log.info("loaded %s with CTranslate2 (%s) on %s", self.name, self.compute_type, self.device)
        if self._allowed is not None:
            log.info("arabic output vocabulary: %d of %d tokens", self._allowed, len(self.vocabulary))

    def _model_limit(self) -> int:
        return model_input_limit(self.tokenizer.model_max_length, self.max_positions)

    def _language_prefix(self) -> list[str] | None:
        """The target-language token decoding starts with (mBART, M2M100, NLLB), set as the source language too."""
        codes: tuple[str | None, str | None] = (None, None)
        if self.spec and (self.spec.src_lang or self.spec.tgt_lang):
            codes = (self.spec.src_lang, self.spec.tgt_lang)
        else:
            family = "nllb" if "Nllb" in type(self.tokenizer).__name__ else self.model_type
            codes = LANGUAGE_CODES.get(family, {}).get(self.role, (None, None))
        source, target = codes
        known = self.tokenizer.get_vocab()
        if source is not None and (source in known or f"__{source}__" in known):
            self.tokenizer.src_lang = source
        if target is None:
            return None
        token = f"__{target}__" if f"__{target}__" in known else target
        return [token] if token in self._known else None

    def _options(self, settings: dict[str, Any], strict: set[str]) -> dict[str, Any]:
        """Hugging Face generation settings as `translate_batch` arguments; ConfigError for a setting in `strict`
        (the catalog's and the operator's) that cannot map; the checkpoint's others are left out, with a log line."""
        options: dict[str, Any] = {"beam_size": int(settings.get("num_beams") or 1)}
        unsupported = []
        for key, value in settings.items():
            if value is None or key in _IGNORED or key == "num_beams":
                continue
            if key == "max_new_tokens":
                options["max_decoding_length"] = int(value)
            elif key == "max_length" and "max_new_tokens" not in settings:
                options["max_decoding_length"] = max(1, int(value) - 1)  # it counts the decoder start token
            elif key == "min_new_tokens":
                options["min_decoding_length"] = int(value)
            elif key == "min_length" and "min_new_tokens" not in settings:
                options["min_decoding_length"] = max(0, int(value) - 1)
            elif key in {"no_repeat_ngram_size", "length_penalty", "repetition_penalty"}:
                options[key] = value
            elif key == "num_return_sequences":
                options["num_hypotheses"] = int(value)
            elif key == "suppress_tokens":
                tokens = self.tokenizer.convert_ids_to_tokens([int(i) for i in value])
                kept = [[token] for token in tokens if token in self._known]
                if kept:
                    options["suppress_sequences"] = kept
            elif key in {"do_sample", "top_k", "top_p", "temperature", "max_length", "min_length"}:
                if key == "do_sample" and value:
                    options["sampling_topk"] = int(settings.get("top_k") or 50)
                    options["sampling_topp"] = float(settings.get("top_p") or 1.0)
                    options["sampling_temperature"] = float(settings.get("temperature") or 1.0)
            else:
                unsupported.append(key)
        ignored = [key for key in unsupported if key not in strict]
        if ignored:
            log.info("%s: generation_config.json settings without effect here: %s", self.name, ", ".join(ignored))
        unsupported = [key for key in unsupported if key in strict]
        if unsupported:
            raise ConfigError(
                f"{self.name}: generation settings {', '.join(sorted(unsupported))} are not supported by the "
                "ctranslate2 backend; remove them or set KHULASA_BACKEND=torch"
            )
        options.setdefault("max_decoding_length", 256)
        if settings.get("forced_eos_token_id") is not None:
            # Hugging Face spends the last step on the forced end-of-sequence token.
            options["max_decoding_length"] = max(1, options["max_decoding_length"] - 1)
        if options.get("min_decoding_length", 0) > options["max_decoding_length"]:
            options["min_decoding_length"] = options["max_decoding_length"]
        return options

    def count_tokens(self, texts: list[str]) -> list[int]:
        """Token counts without special tokens, one per text."""
        if not texts:
            return []
        return [len(ids) for ids in self.tokenizer(texts, add_special_tokens=False)["input_ids"]]

    def fit(self, text: str) -> list[str]:
        """Pieces of `text` that each fit the model's input, split at sentence boundaries; nothing dropped."""
        return fit_to_budget(text, self.count_tokens, self._budget)

    def _tokens(self, texts: list[str]) -> list[list[str]]:
        encoded = self.tokenizer(texts)["input_ids"]
        return [self.tokenizer.convert_ids_to_tokens(ids) for ids in encoded]

    def _decode(self, tokens: list[str]) -> str:
        ids = self.tokenizer.convert_tokens_to_ids(tokens)
        return " ".join(self.tokenizer.decode(ids, skip_special_tokens=True).split())

    def translate(self, texts: list[str], hypotheses: int = 1, **overrides: Any) -> list[list[str]]:
        """One `translate_batch` over `texts` (each must already fit): `hypotheses` decoded outputs per text, best
        first. Raises Cancelled, ResourceExhausted (the engine stays usable) or passes other errors through."""
        return [decoded for decoded, _ in self.decode(texts, hypotheses, **overrides)]

    def decode(self, texts: list[str], hypotheses: int = 1, **overrides: Any) -> list[tuple[list[str], int]]:
        """Like `translate`, with the number of tokens of each row's longest returned hypothesis (end token and
        language prefix excluded): a row whose hypotheses all stopped short of a step ran exactly as it would
        have with that step as its last."""
        prefix = len(self._target_prefix or [])
        decoded = []
        for found in self._search(texts, hypotheses, **overrides):
            lengths = [len(tokens) - prefix - (tokens[-1] == self._end) for tokens in found if tokens]
            decoded.append(([self._decode(tokens) for tokens in found[:hypotheses]], max(lengths, default=0)))
        return decoded

    def generate_ids(self, texts: list[str], **overrides: Any) -> list[list[int]]:
        """The best hypothesis per text as the tokenizer's ids, as `generate` returns them after the decoder start
        token: language prefix and end-of-sequence included."""
        return [self.tokenizer.convert_tokens_to_ids(found[0]) for found in self._search(texts, 1, **overrides)]

    def _search(self, texts: list[str], hypotheses: int, **overrides: Any) -> list[list[list[str]]]:
        """One `translate_batch`: per text, every finished hypothesis (at least `hypotheses`), best first, as
        tokens ending with the end token where the search ended it."""
        if not texts:
            return []
        options = {**self.options, **overrides}
        # Every finished beam, so the longest tells how far the row's search went.
        options["num_hypotheses"] = max(hypotheses, int(options.get("num_hypotheses", 1)), int(options["beam_size"]))
        options["beam_size"] = options["num_hypotheses"]
        rows = len(texts)
        check = current_check()
        if check is not None and options["beam_size"] == 1:
            options["callback"] = lambda step: bool(check())
        raise_if_cancelled()
        try:
            results = self.translator.translate_batch(
                self._tokens(texts),
                target_prefix=[self._target_prefix] * rows if self._target_prefix else None,
                max_batch_size=math.ceil(rows / self.inter_threads),
                use_vmap=self.restrict_arabic,
                return_end_token=True,
                **options,
            )
        except (RuntimeError, MemoryError) as error:
            if not is_out_of_memory(error):
                raise
            log.error("%s ran out of memory on %d inputs: %s", self.role, rows, error)
            raise ResourceExhausted("the server is temporarily out of memory; retry shortly") from error
        raise_if_cancelled()  # a cut-short output must not pass for a result
        found = [[list(tokens) for tokens in result.hypotheses] for result in results]
        if self._forced_end:
            # Hugging Face spends the last allowed step on end-of-sequence; CTranslate2 stopped one step earlier.
            for hypothesis in (tokens for row in found for tokens in row):
                if not hypothesis or hypothesis[-1] != self._end:
                    hypothesis.append(self._end)
        with self._count_lock:
            self.tokens_generated += sum(len(row[0]) for row in found if row)
        return found

    def describe(self) -> dict[str, Any]:
        """What /info reports about this engine."""
        full = len(self.vocabulary)
        return {
            "id": self.name,
            "backend": "ctranslate2",
            "revision": self.revision,
            "model_type": self.model_type,
            "licence": self.spec.licence if self.spec else None,
            "device": self.device,
            "dtype": self.compute_type,
            "quantization": "int8" if self.compute_type.startswith("int8") else "none",
            "max_input_tokens": self.max_input_tokens,
            "generation": self.generation,
            "output_vocabulary": {
                "restricted": "arabic" if self._allowed is not None else None,
                "size": self._allowed or full,
                "of": full,
            },
            "threads": {"inter": self.inter_threads},
            "converted": str(self.converted),
        }


class _CT2Role:
    """The `Engine` protocol members over one CT2Engine."""

    def __init__(self, engine: CT2Engine) -> None:
        self._engine = engine
        self.name = engine.name

    @property
    def device(self) -> str:
        return self._engine.device

    @property
    def tokens_generated(self) -> int:
        return self._engine.tokens_generated

    def describe(self) -> dict[str, Any]:
        return self._engine.describe()

    def count_tokens(self, texts: list[str]) -> list[int]:
        return self._engine.count_tokens(texts)


class CT2Summarizer(_CT2Role):
    """`summarize_batch(texts) -> summaries`; long texts are summarized chunk by chunk, joined in order."""

    def summarize_batch(self, texts: list[str]) -> list[str]:
        pieces = [self._engine.fit(text) for text in texts]
        flat = [piece for group in pieces for piece in group]
        summaries = iter(best for best, *_ in self._engine.translate(flat))
        return [" ".join(next(summaries) for _ in group) for group in pieces]


class CT2Translator(_CT2Role):
    """`translate_batch(sentences) -> translations`, sentence by sentence, each bounded by its own length cap.

    `output_lengths` and `exact_lengths` mean what they mean for the torch translator
    (service.engines.translator.Seq2SeqTranslator).
    """

    def __init__(
        self, engine: CT2Engine, *, output_lengths: OutputLengths | None = None, exact_lengths: bool = False
    ) -> None:
        super().__init__(engine)
        self.output_lengths = output_lengths
        self.exact_lengths = exact_lengths

    def _limits(self, pieces: list[str]) -> list[int] | None:
        from service.engines.translator import default_output_lengths

        if self.output_lengths is None and "max_new_tokens" in self._engine.generation:
            return None
        limits = (self.output_lengths or default_output_lengths)(self._engine.count_tokens(pieces))
        if self._engine.max_positions:
            limits = [min(limit, self._engine.max_positions - 2) for limit in limits]
        return limits

    def _capped(self, pieces: list[str], hypotheses: int = 1) -> list[list[str]]:
        """Every piece decoded within its own cap, exactly as if it were decoded alone."""
        limits = self._limits(pieces)
        if limits is None:
            return self._engine.translate(pieces, hypotheses)
        if self.exact_lengths:
            return self._by_limit(pieces, limits, range(len(pieces)), hypotheses)
        first = self._engine.decode(pieces, hypotheses, max_decoding_length=max(limits))
        # A row whose search ended before its own cap's last step decoded exactly as it would have alone.
        bound = [i for i, ((_, length), limit) in enumerate(zip(first, limits, strict=True)) if length >= limit - 1]
        out = [texts for texts, _ in first]
        for index, texts in zip(bound, self._by_limit(pieces, limits, bound, hypotheses), strict=True):
            out[index] = texts
        return out

    def _by_limit(
        self, pieces: list[str], limits: list[int], indices: Sequence[int], hypotheses: int
    ) -> list[list[str]]:
        chosen = list(indices)
        out: dict[int, list[str]] = {}
        for limit in sorted({limits[i] for i in chosen}):
            group = [i for i in chosen if limits[i] == limit]
            lengths = {"max_decoding_length": limit}
            if self.exact_lengths:
                lengths["min_decoding_length"] = limit
            results = self._engine.translate([pieces[i] for i in group], hypotheses, **lengths)
            out.update(zip(group, results, strict=True))
        return [out[i] for i in chosen]

    def translate_batch(self, sentences: list[str]) -> list[str]:
        """One English translation per Arabic sentence, in order; "" for a blank one."""
        pieces = [self._engine.fit(sentence) for sentence in sentences]
        flat = [piece for group in pieces for piece in group]
        translations = iter(texts[0] for texts in self._capped(flat)) if flat else iter([])
        return [" ".join(next(translations) for _ in group) for group in pieces]

    def translate_alternatives(self, sentences: list[str], count: int) -> list[list[str]]:
        """Per sentence, up to `count` distinct translations other than the best, best first; [] for a blank one.

        One batched search returns `count + 1` hypotheses per piece (the beam widened to that when narrower); a
        sentence cut into several pieces gets as its k-th hypothesis its pieces' k-th joined. Hypotheses equal to
        the best or to one before are dropped, so a sentence may get fewer than `count`.
        """
        if count < 1 or not sentences:
            return [[] for _ in sentences]
        returned = count + 1
        pieces = [self._engine.fit(sentence) for sentence in sentences]
        flat = [piece for group in pieces for piece in group]
        return join_alternatives(pieces, self._capped(flat, returned) if flat else [], returned)
