"""The narrow model interfaces that the API, CLI, batch job, benchmarks and tests depend on. No torch here.

Any object with these members can be served: the torch backend (`service.engines.torch_backend`) and the
CTranslate2 backend (`service.engines.ct2`) are two implementations; a test fake that reverses text is another.
"""

from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise
from typing import Any, Protocol

from service.text.sentences import split_sentences

# Input token count of each sentence -> the most tokens its translation may have (or, with exact lengths, has).
OutputLengths = Callable[[list[int]], list[int]]
# Generation settings that name special tokens by id (one id, or a list of alternatives), in a model's configuration
# and its generation configuration alike.
SPECIAL_TOKEN_ID_KEYS = (
    "pad_token_id",
    "bos_token_id",
    "eos_token_id",
    "decoder_start_token_id",
    "forced_bos_token_id",
    "forced_eos_token_id",
)


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

    def translate_alternatives(self, sentences: list[str], count: int) -> list[list[str]]:
        """Per sentence, in order, up to `count` distinct translations other than the best one the search found,
        best first; [] where there are none (a blank sentence, or `count` 0). Backends that search with beams
        return the beam's runners-up; one may equal `translate_batch`'s answer when the beam had to be widened,
        and `translate_texts_with_alternatives` leaves such ones out."""
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
    separators, sentences = _split_texts(texts)
    translated = iter(translate_batch(sentences) if sentences else [])
    return ["".join(sep + next(translated) for sep in seps) for seps in separators]


def _split_texts(texts: list[str]) -> tuple[list[list[str]], list[str]]:
    """Each text's separators (one per sentence, the first "") and all sentences of all texts, in order."""
    separators: list[list[str]] = []
    sentences: list[str] = []
    for text in texts:
        spans = split_sentences(text)
        breaks = [min(text[a.end : b.start].count("\n"), 2) for a, b in pairwise(spans)]
        separators.append(([""] + ["\n" * n if n else " " for n in breaks])[: len(spans)])
        sentences.extend(span.text for span in spans)
    return separators, sentences


def combine_alternatives(best: list[str], runners_up: list[list[str]], join: Callable[[list[str]], str]) -> list[str]:
    """Alternatives of a whole made of parts: the k-th joins each part's k-th alternative, or the part's best where
    it has fewer than k; ones equal to `join(best)`, or to an earlier one, are left out. [] when no part has any."""
    whole = join(best)
    offered = max((len(alternatives) for alternatives in runners_up), default=0)
    distinct: list[str] = []
    for k in range(offered):
        candidate = join([alts[k] if k < len(alts) else own for own, alts in zip(best, runners_up, strict=True)])
        if candidate != whole and candidate not in distinct:
            distinct.append(candidate)
    return distinct


def translate_texts_with_alternatives(
    translator: Translator, texts: list[str], count: int
) -> tuple[list[str], list[list[str]]]:
    """`translate_texts` of `texts` with `translator`, and per text up to `count` alternative translations.

    A text's alternatives are made of its sentences' alternatives by `combine_alternatives`: the k-th alternative
    of a text joins each sentence's k-th alternative, or the sentence's translation where it has fewer.
    """
    separators, sentences = _split_texts(texts)
    best = translator.translate_batch(sentences) if sentences else []
    runners_up = translator.translate_alternatives(sentences, count) if sentences else []
    translations: list[str] = []
    alternatives: list[list[str]] = []
    position = 0
    for seps in separators:
        own = slice(position, position + len(seps))
        position += len(seps)

        def join(parts: list[str], seps: list[str] = seps) -> str:
            return "".join(sep + part for sep, part in zip(seps, parts, strict=True))

        translations.append(join(best[own]))
        alternatives.append(combine_alternatives(best[own], runners_up[own], join))
    return translations, alternatives


def join_alternatives(pieces: list[list[str]], hypotheses: list[list[str]], returned: int) -> list[list[str]]:
    """Per sentence (its model-sized `pieces`), the distinct runners-up: the k-th hypothesis of a sentence is its
    pieces' k-th hypotheses joined (a piece with fewer gives its last); those equal to the best or to one before are
    dropped. `hypotheses` holds each piece's hypotheses, best first, pieces in order."""
    rows = iter(hypotheses)
    alternatives: list[list[str]] = []
    for group in pieces:
        found = [next(rows) for _ in group]
        joined = [" ".join(texts[min(k, len(texts) - 1)] for texts in found) for k in range(returned)]
        joined = joined if group else [""]
        distinct: list[str] = []
        for candidate in joined[1:]:
            if candidate.strip() and candidate != joined[0] and candidate not in distinct:
                distinct.append(candidate)
        alternatives.append(distinct)
    return alternatives


def default_output_lengths(source_tokens: list[int]) -> list[int]:
    """Each sentence's output bound when none is configured: room for Arabic to English (1.5 times its tokens and
    10 more), short enough that a degenerate model cannot loop for long."""
    return [int(n * 1.5) + 10 for n in source_tokens]


class EngineRole:
    """The `Engine` protocol members of a summarizer or translator over one backend engine (`engine`), whichever
    backend runs it: the engine has `name`, `device`, `tokens_generated`, `describe()` and `count_tokens()`."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self.name: str = engine.name

    @property
    def device(self) -> str:
        return str(self.engine.device)

    @property
    def tokens_generated(self) -> int:
        return int(self.engine.tokens_generated)

    def describe(self) -> dict[str, Any]:
        described: dict[str, Any] = self.engine.describe()
        return described

    def count_tokens(self, texts: list[str]) -> list[int]:
        counted: list[int] = self.engine.count_tokens(texts)
        return counted
