"""A pass-through wrapper around a real engine that records each batched call it receives (never a fake).

Every other member of the engine protocol (device, describe, ...) is the wrapped engine's.
"""

from typing import Any


class Recording:
    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.name: str = inner.name
        self.calls: list[list[str]] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def summarize_batch(self, texts: list[str]) -> list[str]:
        self.calls.append(list(texts))
        result: list[str] = self.inner.summarize_batch(texts)
        return result

    def translate_batch(self, sentences: list[str]) -> list[str]:
        self.calls.append(list(sentences))
        result: list[str] = self.inner.translate_batch(sentences)
        return result

    def translate_alternatives(self, sentences: list[str], count: int) -> list[list[str]]:
        self.calls.append(list(sentences))
        result: list[list[str]] = self.inner.translate_alternatives(sentences, count)
        return result
