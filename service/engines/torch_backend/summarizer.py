"""The Arabic summarizer: one batched generate for all sections, long sections chunked at sentence boundaries."""

from typing import Any

from service.engines.base import EngineRole
from service.engines.torch_backend.seq2seq import Seq2SeqEngine

# Used only when neither the catalog nor the checkpoint's generation_config bounds the output:
# without it `generate` stops at 20 tokens. 84 is mT5-XLSum's published evaluation setting.
_FALLBACK_MAX_NEW_TOKENS = 84


class Seq2SeqSummarizer(EngineRole):
    """`summarize_batch(texts) -> summaries`; a text longer than the model's input gets one summary per chunk,
    joined in order, so no part of it goes unread."""

    def __init__(self, engine: Seq2SeqEngine) -> None:
        super().__init__(engine)
        self.engine: Seq2SeqEngine = engine
        self._defaults: dict[str, Any] = {}
        config = engine.loaded.model.generation_config
        if "max_new_tokens" not in engine.generation and config.max_new_tokens is None:
            self._defaults["max_new_tokens"] = _FALLBACK_MAX_NEW_TOKENS

    def chunks(self, text: str) -> list[str]:
        """The pieces `text` is summarized in (one when it fits the model's input)."""
        return self.engine.fit(text)

    def summarize_batch(self, texts: list[str]) -> list[str]:
        """One Arabic summary per text, in order; "" for a blank text."""
        pieces = [self.chunks(text) for text in texts]
        flat = [piece for group in pieces for piece in group]
        summaries = iter(self.engine.generate(flat, **self._defaults))
        return [" ".join(next(summaries) for _ in group) for group in pieces]
