"""The summarizer and translator roles (service.engines.base protocols) over a CTranslate2 engine."""

from collections.abc import Sequence

from service.engines.base import EngineRole, OutputLengths, default_output_lengths, join_alternatives
from service.engines.ct2.engine import CT2Engine


class CT2Summarizer(EngineRole):
    """`summarize_batch(texts) -> summaries`; long texts are summarized chunk by chunk, joined in order."""

    def __init__(self, engine: CT2Engine) -> None:
        super().__init__(engine)
        self.engine: CT2Engine = engine

    def summarize_batch(self, texts: list[str]) -> list[str]:
        pieces = [self.engine.fit(text) for text in texts]
        flat = [piece for group in pieces for piece in group]
        summaries = iter(best for best, *_ in self.engine.translate(flat))
        return [" ".join(next(summaries) for _ in group) for group in pieces]


class CT2Translator(EngineRole):
    """`translate_batch(sentences) -> translations`, sentence by sentence, each bounded by its own length cap.

    `output_lengths` and `exact_lengths` mean what they mean for the torch translator
    (service.engines.torch_backend.translator.Seq2SeqTranslator).
    """

    def __init__(
        self, engine: CT2Engine, *, output_lengths: OutputLengths | None = None, exact_lengths: bool = False
    ) -> None:
        super().__init__(engine)
        self.engine: CT2Engine = engine
        self.output_lengths = output_lengths
        self.exact_lengths = exact_lengths

    def _limits(self, pieces: list[str]) -> list[int] | None:
        if self.output_lengths is None and "max_new_tokens" in self.engine.generation:
            return None
        limits = (self.output_lengths or default_output_lengths)(self.engine.count_tokens(pieces))
        if self.engine.max_positions:
            limits = [min(limit, self.engine.max_positions - 2) for limit in limits]
        return limits

    def _capped(self, pieces: list[str], hypotheses: int = 1) -> list[list[str]]:
        """Every piece decoded within its own cap, exactly as if it were decoded alone."""
        limits = self._limits(pieces)
        if limits is None:
            return self.engine.translate(pieces, hypotheses)
        if self.exact_lengths:
            return self._by_limit(pieces, limits, range(len(pieces)), hypotheses)
        first = self.engine.decode(pieces, hypotheses, max_decoding_length=max(limits))
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
            results = self.engine.translate([pieces[i] for i in group], hypotheses, **lengths)
            out.update(zip(group, results, strict=True))
        return [out[i] for i in chosen]

    def translate_batch(self, sentences: list[str]) -> list[str]:
        """One English translation per Arabic sentence, in order; "" for a blank one."""
        pieces = [self.engine.fit(sentence) for sentence in sentences]
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
        pieces = [self.engine.fit(sentence) for sentence in sentences]
        flat = [piece for group in pieces for piece in group]
        return join_alternatives(pieces, self._capped(flat, returned) if flat else [], returned)
