"""The narrow model interfaces that routes, CLI, benchmarks and tests depend on. No torch here."""

from collections.abc import Callable
from itertools import pairwise
from typing import Protocol

from service.text.sentences import split_sentences


class Summarizer(Protocol):
    """Arabic text in, Arabic summary out."""

    name: str

    def summarize_batch(self, texts: list[str]) -> list[str]:
        """One summary per text, in order."""
        ...


class Translator(Protocol):
    """Arabic sentence in, English sentence out."""

    name: str

    def translate_batch(self, sentences: list[str]) -> list[str]:
        """One translation per sentence, in order."""
        ...


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
