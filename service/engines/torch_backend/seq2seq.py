"""A loaded seq2seq checkpoint with one batched `generate`: the shared core of the summarizer and translator."""

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, cast

import torch
from transformers import StoppingCriteria, StoppingCriteriaList

from service.engines.cancel import current_check, raise_if_cancelled
from service.engines.catalog import LANGUAGE_CODES, ModelSpec, model_input_limit
from service.engines.chunking import fit_to_budget
from service.engines.torch_backend.loading import LoadedModel
from service.errors import ResourceExhausted

log = logging.getLogger(__name__)

# torch reports a failed CPU allocation as a plain RuntimeError with this in its message.
_CPU_OUT_OF_MEMORY = "can't allocate memory"


def is_out_of_memory(error: BaseException) -> bool:
    """Whether `error` is the device (CUDA or CPU) running out of memory, which the next request may not."""
    if isinstance(error, torch.OutOfMemoryError | MemoryError):
        return True
    return isinstance(error, RuntimeError) and _CPU_OUT_OF_MEMORY in str(error)


class _StopWhenCancelled(StoppingCriteria):
    """Ends every row at the next decoding step once the callers waiting for this batch have all given up."""

    def __init__(self, check: Callable[[], bool]) -> None:
        self.check = check

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor, **kwargs: Any) -> torch.BoolTensor:
        stop = torch.full((input_ids.shape[0],), self.check(), dtype=torch.bool, device=input_ids.device)
        return stop  # type: ignore[return-value]


class Seq2SeqEngine:
    """Tokenize, `generate` once for the whole batch, decode. Thread-safe: one generate at a time."""

    def __init__(
        self,
        loaded: LoadedModel,
        *,
        role: str,
        spec: ModelSpec | None = None,
        generate_overrides: dict[str, Any] | None = None,
        max_input_tokens: int | None = None,
    ) -> None:
        self.loaded = loaded
        self.role = role
        self.name = loaded.source
        self.spec = spec
        self.generation: dict[str, Any] = {**(spec.generation if spec else {}), **(generate_overrides or {})}
        self.max_input_tokens = max_input_tokens or (spec and spec.max_input_tokens) or self._model_limit()
        self.tokens_generated = 0
        self._lock = threading.Lock()
        tokenizer = loaded.tokenizer
        self._budget = self.max_input_tokens - tokenizer.num_special_tokens_to_add(pair=False)
        self._forced_bos: int | None = None
        source_lang, target_lang = self._language_codes()
        if source_lang is not None:
            tokenizer.src_lang = source_lang
        if target_lang is not None:
            # M2M100 tokenizers map "en" to "__en__"; the others hold the code itself as a token.
            lang_id = getattr(tokenizer, "get_lang_id", None)
            self._forced_bos = int(lang_id(target_lang) if lang_id else tokenizer.convert_tokens_to_ids(target_lang))
        self.vocabulary = loaded.vocabulary
        # Settings naming tokens the restricted model cannot generate fail here, at startup, not per request.
        self._generate_kwargs({})

    def _model_limit(self) -> int:
        positions = getattr(self.loaded.model.config, "max_position_embeddings", None)
        return model_input_limit(self.loaded.tokenizer.model_max_length, positions)

    def _language_codes(self) -> tuple[str | None, str | None]:
        if self.spec and (self.spec.src_lang or self.spec.tgt_lang):
            return self.spec.src_lang, self.spec.tgt_lang
        tokenizer = self.loaded.tokenizer
        family = "nllb" if "Nllb" in type(tokenizer).__name__ else self.loaded.model_type
        codes = LANGUAGE_CODES.get(family, {}).get(self.role)
        if codes is None:
            return None, None
        known = tokenizer.get_vocab()
        present = [code if code in known or f"__{code}__" in known else None for code in codes]
        if family == "m2m_100":
            return codes if all(present) else (None, None)
        return present[0], present[1]

    @property
    def device(self) -> torch.device:
        return self.loaded.device

    def count_tokens(self, texts: list[str]) -> list[int]:
        """Token counts without special tokens, one per text."""
        if not texts:
            return []
        encoded = self.loaded.tokenizer(texts, add_special_tokens=False)["input_ids"]
        return [len(ids) for ids in encoded]

    def fit(self, text: str) -> list[str]:
        """Pieces of `text` that each fit the model's input, split at sentence boundaries; nothing dropped."""
        return fit_to_budget(text, self.count_tokens, self._budget)

    def _generate_kwargs(self, overrides: dict[str, Any]) -> dict[str, Any]:
        kwargs = {**self.generation, **overrides}
        if self._forced_bos is not None:
            kwargs.setdefault("forced_bos_token_id", self._forced_bos)
        return self.vocabulary.remap_generation(kwargs) if self.vocabulary is not None else kwargs

    def generate_ids(self, texts: list[str], **overrides: Any) -> torch.Tensor:
        """One batched `generate` over `texts` (each must already fit): token ids, one row per text, in order.

        Ids are the tokenizer's even when the output vocabulary is restricted; token ids in `overrides` are the
        tokenizer's too, but logits processors in them see the restricted model's compact ids (`self.vocabulary`).
        Inside a `cancellable` scope, generation stops once its callers have all given up, and raises Cancelled.
        Running out of memory raises ResourceExhausted (the engine stays usable); other errors pass through.
        """
        tokenizer = self.loaded.tokenizer
        batch = tokenizer(texts, return_tensors="pt", padding=True).to(self.device)
        kwargs = self._generate_kwargs(overrides)
        check = current_check()
        if check is not None:
            kwargs["stopping_criteria"] = StoppingCriteriaList([_StopWhenCancelled(check)])
        started = time.perf_counter()
        with self._lock, torch.inference_mode():
            try:
                output: torch.Tensor = cast(Any, self.loaded.model).generate(**batch, **kwargs)
            except (RuntimeError, MemoryError) as error:
                if not is_out_of_memory(error):
                    raise
                self._release_memory()
                log.error("%s ran out of memory on %d inputs: %s", self.role, len(texts), error)
                raise ResourceExhausted("the server is temporarily out of memory; retry shortly") from error
        # A cut-short output must not pass for a result.
        raise_if_cancelled()
        if self.vocabulary is not None:
            output = self.vocabulary.to_full(output)
        pad = tokenizer.pad_token_id
        generated = int((output[:, 1:] != pad).sum()) if pad is not None else int(output[:, 1:].numel())
        self.tokens_generated += generated
        elapsed = time.perf_counter() - started
        log.debug("%s: %d inputs, %d tokens out in %.3fs", self.role, len(texts), generated, elapsed)
        return output

    def _release_memory(self) -> None:
        # Cached CUDA blocks of the failed batch would otherwise stay reserved for this process.
        if self.device.type == "cuda":
            torch.cuda.empty_cache()

    def generate(self, texts: list[str], **overrides: Any) -> list[str]:
        """Like `generate_ids`, decoded: special tokens dropped, whitespace runs folded."""
        if not texts:
            return []
        decoded = self.loaded.tokenizer.batch_decode(self.generate_ids(texts, **overrides), skip_special_tokens=True)
        return [" ".join(text.split()) for text in decoded]

    def describe(self) -> dict[str, Any]:
        """What /info reports about this engine."""
        return {
            "id": self.name,
            "backend": "torch",
            "revision": self.loaded.revision,
            "model_type": self.loaded.model_type,
            "licence": self.spec.licence if self.spec else None,
            "device": str(self.device),
            "dtype": str(self.loaded.dtype).removeprefix("torch."),
            "quantization": self.loaded.quantization,
            "max_input_tokens": self.max_input_tokens,
            "generation": self.generation,
            "output_vocabulary": self._describe_vocabulary(),
        }

    def _describe_vocabulary(self) -> dict[str, Any]:
        if self.vocabulary is not None:
            return self.vocabulary.describe()
        size = int(self.loaded.model.config.vocab_size)
        return {"restricted": None, "size": size, "of": size}
