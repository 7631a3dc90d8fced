"""The narrow model interfaces that the API, CLI, batch job, benchmarks and tests depend on. No torch here.

Any object with these members can be served: the torch backend (`service.engines.summarizer`, `.translator`) is
one implementation; a test fake that reverses text is another.
"""

from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise
from typing import Any, Protocol

from service.text.sentences import split_sentences

# Input token count of each sentence -> the most tokens its translation may have (or, with exact lengths, has).
OutputLengths = Callable[[list[int]], list[int]]


class Engine(Protocol):
    """What every engine tells its callers, whatever runs it."""

    @property
    def name(self) -> str:
        """The model's id (hub id or path), as digests report it."""
        ...

    @property
    def device(self) -> str:
        """Where it runs: "cpu", "cuda:0", ..."""
        ...

    @property
    def tokens_generated(self) -> int:
        """Output tokens generated since load, end-of-sequence included; only ever grows."""
        ...

    def describe(self) -> dict[str, Any]:
        """What /info shows about this engine, JSON-ready: at least "id" and "device"; by convention also
        "revision", "dtype", "quantization", "max_input_tokens" and "generation" (the batch job's checkpoint is
        keyed by those it finds)."""
        ...

    def count_tokens(self, texts: list[str]) -> list[int]:
        """Input tokens per text as the model counts them, special tokens excluded; one per text, in order."""
        ...


class Summarizer(Engine, Protocol):
    """Arabic text in, Arabic summary out."""

    def summarize_batch(self, texts: list[str]) -> list[str]:
        """One summary per text, in order."""
        ...


class Translator(Engine, Protocol):
    """Arabic sentence in, English sentence out."""

    def translate_batch(self, sentences: list[str]) -> list[str]:
        """One translation per sentence, in order."""
        ...


@dataclass
class Engines:
    """The two engines a server holds."""

    summarizer: Summarizer
    translator: Translator


def translate_texts(translate_batch: Callable[[list[str]], list[str]], texts: list[str]) -> list[str]:
    """Translate multi-sentence texts sentence by sentence, in one batched call for all of them.

    Sentences are rejoined with the line breaks the source had between them (at most a blank line) and a space
    otherwise, so paragraphs survive. Empty or whitespace-only texts translate to "".
    """
    separators: list[list[str]] = []
    sentences: list[str] = []
    for text in texts:
        spans = split_sentences(text)
        breaks = [min(text[a.end : b.start].count("\n"), 2) for a, b in pairwise(spans)]
        separators.append(([""] + ["\n" * n if n else " " for n in breaks])[: len(spans)])
        sentences.extend(span.text for span in spans)
    translated = iter(translate_batch(sentences) if sentences else [])
    return ["".join(sep + next(translated) for sep in seps) for seps in separators]
