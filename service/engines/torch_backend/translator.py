"""The Arabic-to-English translator: sentence-level, all sentences of a request in one batched generate."""

import torch
from transformers import LogitsProcessor, LogitsProcessorList

from service.engines.base import EngineRole, OutputLengths, default_output_lengths, join_alternatives
from service.engines.torch_backend.seq2seq import Seq2SeqEngine


class PerInputLengthCap(LogitsProcessor):
    """Force end-of-sequence once a row has generated its own limit of tokens; with `exact`, also forbid it before.

    `generate` knows one max length for the whole batch; capping each input by its own length keeps a batched
    translation identical to translating that sentence alone. Exact lengths make timing independent of the weights
    (the benchmarks use them).
    """

    def __init__(self, limits: list[int], eos_token_id: int, num_beams: int = 1, *, exact: bool = False) -> None:
        self.limits = torch.tensor(limits).repeat_interleave(num_beams)
        self.eos_token_id = eos_token_id
        self.exact = exact

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        generated = input_ids.shape[1] - 1  # the decoder start token is not generated
        limits = self.limits.to(scores.device)
        if self.exact:
            scores[limits > generated, self.eos_token_id] = float("-inf")
        over = (limits <= generated).nonzero().flatten()
        if len(over):
            scores[over] = float("-inf")
            scores[over, self.eos_token_id] = 0.0
        return scores


class Seq2SeqTranslator(EngineRole):
    """`translate_batch(sentences) -> translations`.

    Marian drops content on long multi-sentence input, so callers pass sentences (see `translate_texts`);
    a sentence over the model's input is cut between words, never truncated.
    """

    def __init__(
        self, engine: Seq2SeqEngine, *, output_lengths: OutputLengths | None = None, exact_lengths: bool = False
    ) -> None:
        """`output_lengths` bounds each translation by its sentence's input token count (the service's default,
        `default_output_lengths`, applies only when the generation settings fix no `max_new_tokens`);
        `exact_lengths` makes those bounds the exact output lengths. Either way no row goes past the model's learned
        decoder positions."""
        super().__init__(engine)
        self.engine: Seq2SeqEngine = engine
        self.output_lengths = output_lengths
        self.exact_lengths = exact_lengths

    def beams(self) -> int:
        """The beam width `translate_batch` searches with (1: greedy)."""
        config = self.engine.loaded.model.generation_config
        return int(self.engine.generation.get("num_beams", config.num_beams or 1))

    def length_caps(self, pieces: list[str], *, beams: int | None = None) -> dict[str, object]:
        """The `generate` arguments that bound each of `pieces` (model-sized inputs) by its own output length.

        `beams`: the beam width `generate` will run with, when not the configured one; each input's cap is
        repeated for each of its beam rows."""
        if self.output_lengths is None and "max_new_tokens" in self.engine.generation:
            return {}
        limits = (self.output_lengths or default_output_lengths)(self.engine.count_tokens(pieces))
        positions = getattr(self.engine.loaded.model.config, "max_position_embeddings", None)
        if positions:
            # Learned decoder positions end there (Marian, mBART): past them `generate` indexes out of the table.
            # The decoder start token and the final forced end-of-sequence step take two of them.
            limits = [min(limit, positions - 2) for limit in limits]
        config = self.engine.loaded.model.generation_config
        eos = config.eos_token_id if isinstance(config.eos_token_id, int) else config.eos_token_id[0]
        rows = beams or self.beams()
        cap = PerInputLengthCap(limits, eos_token_id=eos, num_beams=rows, exact=self.exact_lengths)
        # One step beyond the longest limit: `generate` forces end-of-sequence on its own last step, which would
        # otherwise cut the longest row one token short and make its output depend on its batch.
        return {"max_new_tokens": max(limits) + 1, "logits_processor": LogitsProcessorList([cap])}

    def translate_batch(self, sentences: list[str]) -> list[str]:
        """One English translation per Arabic sentence, in order; "" for a blank one."""
        pieces = [self.engine.fit(sentence) for sentence in sentences]
        flat = [piece for group in pieces for piece in group]
        translations = iter(self.engine.generate(flat, **self.length_caps(flat)) if flat else [])
        return [" ".join(next(translations) for _ in group) for group in pieces]

    def translate_alternatives(self, sentences: list[str], count: int) -> list[list[str]]:
        """Per sentence, up to `count` distinct translations other than the best, best first; [] for a blank one.

        One batched beam search returns `count + 1` hypotheses per input; the beam is widened to `count + 1` when
        the configured one is narrower (greedy models have none). A sentence cut into several model-sized pieces
        gets as its k-th hypothesis its pieces' k-th hypotheses joined. Hypotheses equal to the beam's best or to
        one before are dropped, so a sentence may get fewer than `count`.
        """
        if count < 1 or not sentences:
            return [[] for _ in sentences]
        returned = count + 1
        beams = max(self.beams(), returned)
        pieces = [self.engine.fit(sentence) for sentence in sentences]
        flat = [piece for group in pieces for piece in group]
        decoded: list[str] = []
        if flat:
            caps = self.length_caps(flat, beams=beams)
            decoded = self.engine.generate(flat, num_beams=beams, num_return_sequences=returned, **caps)
        hypotheses = [decoded[i : i + returned] for i in range(0, len(decoded), returned)]
        return join_alternatives(pieces, hypotheses, returned)
