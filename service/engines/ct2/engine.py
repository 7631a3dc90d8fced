"""A converted model served through CTranslate2 with the torch path's guarantees, without torch or transformers.

- Tokenizing: the tokenizer files and spec saved beside the converted model (service.engines.ct2.tokens).
- Arabic output: every converted model carries a `vmap.txt` whose one line lists the tokens Arabic output can use,
  the torch path's restricted head; the summarizer decodes with `use_vmap=True`, so the output layer is computed
  for those rows only.
- Generation settings: the checkpoint's generation_config.json (saved in the spec), then the catalog's, then
  KHULASA_*_GENERATE, mapped to `translate_batch` arguments; a setting CTranslate2 cannot honour stops startup.
- Memory: each worker decodes a bounded number of beam rows at once (`runtime.sub_batch`).
- Cancellation: greedy search stops at the next step (CTranslate2's step callback); beam search offers no per-step
  hook, so an abandoned beam batch stops when it ends and its result is discarded.
"""

import json
import logging
import threading
from typing import Any

from service.config import Settings, looks_like_local_path
from service.engines.cancel import current_check, raise_if_cancelled
from service.engines.catalog import LANGUAGE_CODES, ModelSpec, model_input_limit
from service.engines.chunking import fit_to_budget
from service.engines.ct2.cache import ensure_converted
from service.engines.ct2.options import translate_options
from service.engines.ct2.runtime import device_of, is_out_of_memory, sub_batch, thread_layout
from service.engines.ct2.tokens import ServingTokenizer, read_spec
from service.engines.threads import available_cpus
from service.errors import ModelLoadError, ResourceExhausted

log = logging.getLogger(__name__)


class CT2Engine:
    """A converted model, its tokenizer and generation settings: tokenize, one `translate_batch`, detokenize."""

    def __init__(
        self, settings: Settings, *, role: str, spec: ModelSpec | None = None, restrict_arabic: bool = False
    ) -> None:
        import ctranslate2

        self.role = role
        self.spec = spec
        converted, self.revision, self.compute_type = ensure_converted(settings, role, spec)
        self.converted = converted
        stored = read_spec(converted)
        if stored is None:
            raise ModelLoadError(f"cannot load converted model {converted}: no readable khulasa.json")
        # A converted directory reports the hub id it was converted from (a build machine's path says nothing).
        given: str = getattr(settings, role)
        original = str(stored["source"])
        self.name = original if self.revision == "converted" and not looks_like_local_path(original) else given
        self.model_type = str(stored["model_type"])
        self.vocabulary: list[str] = json.loads((converted / "shared_vocabulary.json").read_text(encoding="utf-8"))
        self.tokenizer = ServingTokenizer(converted, stored, self.vocabulary)
        self.restrict_arabic = restrict_arabic
        self._allowed = len((converted / "vmap.txt").read_text(encoding="utf-8").split()) if restrict_arabic else None
        self.generation: dict[str, Any] = {**(spec.generation if spec else {}), **getattr(settings, f"{role}_generate")}
        self._settings = {**stored["generation"], **self.generation}
        self.max_positions: int | None = stored["max_position_embeddings"]
        limit = getattr(settings, f"{role}_max_input_tokens") or (spec and spec.max_input_tokens)
        self.max_input_tokens = int(limit or model_input_limit(self.tokenizer.model_max_length, self.max_positions))
        self._budget = self.max_input_tokens - self.tokenizer.special_count
        self._target_prefix = self._language_prefix(str(stored["family"]))
        # The checkpoint's own file may hold anything transformers writes; settings we were given must all apply.
        self.options = translate_options(self.name, self._settings, set(self.generation), self.vocabulary)
        self._end = self.tokenizer.eos_token
        self._forced_end = self._settings.get("forced_eos_token_id") is not None
        device = device_of(settings)
        self.inter_threads, intra = thread_layout(settings.threads or available_cpus()) if device == "cpu" else (1, 0)
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

    def _language_prefix(self, family: str) -> list[str] | None:
        """The target-language token decoding starts with (mBART, M2M100, NLLB)."""
        if self.spec and (self.spec.src_lang or self.spec.tgt_lang):
            target = self.spec.tgt_lang
        else:
            target = LANGUAGE_CODES.get(family, {}).get(self.role, (None, None))[1]
        if target is None:
            return None
        token = f"__{target}__" if f"__{target}__" in self.vocabulary else target
        return [token] if token in self.vocabulary else None

    def count_tokens(self, texts: list[str]) -> list[int]:
        """Token counts without special tokens, one per text."""
        return self.tokenizer.count(texts)

    def fit(self, text: str) -> list[str]:
        """Pieces of `text` that each fit the model's input, split at sentence boundaries; nothing dropped."""
        return fit_to_budget(text, self.count_tokens, self._budget)

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
            outputs = [self.tokenizer.decode(tokens) for tokens in found[:hypotheses]]
            decoded.append((outputs, max(lengths, default=0)))
        return decoded

    def generate_ids(self, texts: list[str], **overrides: Any) -> list[list[int]]:
        """The best hypothesis per text as the tokenizer's ids, as `generate` returns them after the decoder start
        token: language prefix and end-of-sequence included."""
        return [self.tokenizer.ids(found[0]) for found in self._search(texts, 1, **overrides)]

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
        tokens = self.tokenizer.encode(texts)
        longest = max(len(row) for row in tokens)
        try:
            results = self.translator.translate_batch(
                tokens,
                target_prefix=[self._target_prefix] * rows if self._target_prefix else None,
                max_batch_size=sub_batch(rows, self.inter_threads, options["beam_size"], longest),
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
        found = [[list(hypothesis) for hypothesis in result.hypotheses] for result in results]
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
