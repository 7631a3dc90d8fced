"""Output-vocabulary restriction: a summarizer that writes Arabic only needs the head rows of Arabic tokens.

`arabic_output_ids` picks the ids Arabic output can use; `restrict_output_vocabulary` cuts a loaded model down to
them in place, so `generate` runs in a compact id space (smaller head, log-softmax and top-k); the returned
`OutputVocabulary` maps generated ids back to the tokenizer's ids and remaps the token ids in generation settings.
"""

import functools
import logging
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import torch
from torch import nn
from transformers import PreTrainedModel

from service.engines.base import SPECIAL_TOKEN_ID_KEYS
from service.errors import ConfigError

log = logging.getLogger(__name__)

# The rows `ids` of a weight (see restrict_output_vocabulary).
RowReader = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]

WORD_MARKER = "\u2581"  # sentencepiece's "▁": a word starts here
# Arabic, Arabic Supplement, Extended-B, Extended-A, Presentation Forms-A and -B (without the byte-order mark at
# U+FEFF): presentation forms still turn up in scraped news, and a checkpoint trained on it may emit them.
_ARABIC_BLOCKS = (
    (0x0600, 0x06FF),
    (0x0750, 0x077F),
    (0x0870, 0x089F),
    (0x08A0, 0x08FF),
    (0xFB50, 0xFDFF),
    (0xFE70, 0xFEFC),
)
# Zero-width non-joiner and joiner shape Arabic letters; the degree sign is common in weather and science news.
_EXTRA_CHARACTERS = frozenset("\u200c\u200d\u00b0")
# Currency and maths symbols ($ € + = < >) appear in news; other symbols (emoji, arrows, ©) do not need a row.
_SYMBOL_CATEGORIES = frozenset({"Sc", "Sm"})
# T5's span-filling markers: special tokens, but never summary text.
_SENTINEL = re.compile(r"^<extra_id_\d+>$")
# Model families whose head and decoder embedding this module knows how to cut (T5-style and BART-style layouts).
SUPPORTED_MODEL_TYPES = frozenset({"mt5", "t5", "mbart", "bart"})
# Lists of ids that must not be generated: an id outside the kept vocabulary cannot be generated anyway.
_SUPPRESS_KEYS = ("suppress_tokens", "begin_suppress_tokens")
# Settings that name tokens in ways a compact id space cannot honour faithfully; refused rather than misapplied.
_UNSUPPORTED_KEYS = (
    "force_words_ids",
    "sequence_bias",
    "stop_strings",
    "decoder_input_ids",
    "prefix_allowed_tokens_fn",
)


@functools.cache  # a few thousand distinct characters across a 250k vocabulary
def _allowed_character(char: str) -> bool:
    code = ord(char)
    if any(low <= code <= high for low, high in _ARABIC_BLOCKS):
        return True
    if char.isspace() or char in _EXTRA_CHARACTERS or "0" <= char <= "9":
        return True
    category = unicodedata.category(char)
    return category.startswith("P") or category in _SYMBOL_CATEGORIES


def is_arabic_output_piece(piece: str | None) -> bool:
    """True when a tokenizer piece is only Arabic script (diacritics included), digits (ASCII or Arabic-Indic),
    punctuation, currency or maths symbols, whitespace and the word marker. Empty pieces are not."""
    if not piece:
        return False
    return all(_allowed_character(char) for char in piece.replace(WORD_MARKER, " "))


def arabic_output_ids(tokenizer: Any) -> list[int]:
    """Sorted ids of the pieces Arabic output can use (`is_arabic_output_piece`) plus every special token except
    T5's `<extra_id_*>` sentinels.

    Looks at the tokenizer's pieces (sentencepiece, with the word marker), ids 0 .. len(tokenizer) - 1; head rows
    beyond the tokenizer (padding rows of the embedding matrix) decode to nothing and are never kept.
    """
    size = len(tokenizer)
    pieces = tokenizer.convert_ids_to_tokens(list(range(size)))
    kept = {token_id for token_id, piece in enumerate(pieces) if is_arabic_output_piece(piece)}
    kept.update(
        token_id
        for token_id in tokenizer.all_special_ids
        if 0 <= token_id < size and not _SENTINEL.match(pieces[token_id] or "")
    )
    return sorted(kept)


class OutputVocabulary:
    """The ids a restricted model can generate: compact id `i` stands for tokenizer id `full_ids[i]` (sorted, unique).

    Logits processors handed to `generate` see compact ids; `remap_generation` translates generation settings.
    """

    def __init__(self, name: str, full_ids: Sequence[int], full_size: int, device: torch.device) -> None:
        self.name = name
        self.full_size = full_size
        self.full_ids = torch.tensor(list(full_ids), dtype=torch.long, device=device)
        self._compact = {int(token_id): index for index, token_id in enumerate(full_ids)}

    @property
    def size(self) -> int:
        return len(self._compact)

    def to_full(self, ids: torch.Tensor) -> torch.Tensor:
        """Compact ids (any shape) to tokenizer ids."""
        return self.full_ids.to(ids.device)[ids]

    def to_compact(self, token_id: int) -> int | None:
        """The compact id of a tokenizer id, or None when the restricted model cannot generate it."""
        return self._compact.get(int(token_id))

    def _required(self, key: str, token_id: int) -> int:
        compact = self.to_compact(token_id)
        if compact is None:
            raise ConfigError(
                f"{key}={token_id} is outside the {self.name} output vocabulary of the summarizer; "
                "set KHULASA_SUMMARIZER_OUTPUT_VOCAB=full to use it"
            )
        return compact

    def _kept(self, ids: Iterable[int]) -> list[int]:
        return [compact for compact in map(self.to_compact, ids) if compact is not None]

    def remap_generation(self, settings: Mapping[str, Any]) -> dict[str, Any]:
        """Generation settings (generate kwargs) with their token ids in compact ids.

        Special ids must be kept (else ConfigError); suppressed ids and banned sequences that cannot be generated
        are dropped; settings that cannot be remapped faithfully (forced words, sequence bias, stop strings) raise
        ConfigError. Logits processor objects are passed through unchanged: they see compact ids.
        """
        remapped = dict(settings)
        for key, value in settings.items():
            if value is None:
                continue
            if key in _UNSUPPORTED_KEYS:
                raise ConfigError(
                    f"{key} is not supported with a restricted output vocabulary; "
                    "set KHULASA_SUMMARIZER_OUTPUT_VOCAB=full to use it"
                )
            if key in SPECIAL_TOKEN_ID_KEYS:
                is_list = isinstance(value, list | tuple)
                mapped = [self._required(key, token_id) for token_id in (value if is_list else [value])]
                remapped[key] = mapped if is_list else mapped[0]
            elif key in _SUPPRESS_KEYS:
                remapped[key] = self._kept(value)
            elif key == "bad_words_ids":
                sequences = [self._kept(words) for words in value]
                remapped[key] = [new for new, old in zip(sequences, value, strict=True) if len(new) == len(old)] or None
        return remapped

    def describe(self) -> dict[str, Any]:
        """What /info reports: the restriction's name, the kept size and the full size."""
        return {"restricted": self.name, "size": self.size, "of": self.full_size}


class CompactEmbedding(nn.Embedding):
    """Rows of a larger token embedding, looked up by compact id, with the original's output scale (the BART
    family scales embeddings by sqrt(d_model) inside the embedding module)."""

    def __init__(self, weight: torch.Tensor, embed_scale: float | None) -> None:
        rows, width = weight.shape
        super().__init__(rows, width, _weight=weight, _freeze=True, device=weight.device, dtype=weight.dtype)
        self.embed_scale = embed_scale

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        embedded = super().forward(input)
        return embedded if self.embed_scale is None else embedded * self.embed_scale


def _model_special_ids(model: PreTrainedModel) -> set[int]:
    found: set[int] = set()
    for holder in (model.config, model.generation_config):
        for key in SPECIAL_TOKEN_ID_KEYS:
            value = getattr(holder, key, None)
            values = value if isinstance(value, list | tuple) else [value]
            found.update(int(token_id) for token_id in values if token_id is not None)
    return found


def _take_rows(tensor: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    return tensor[index]


def _cut_head(model: PreTrainedModel, index: torch.Tensor, rows: RowReader) -> None:
    """Replace lm_head (and BART's final_logits_bias) by their kept rows; the full head is released."""
    head: nn.Linear = model.lm_head
    # On the meta device: no memory and no random init for weights that are replaced at once.
    compact = nn.Linear(head.in_features, len(index), bias=head.bias is not None, device="meta")
    with torch.no_grad():
        compact.weight = nn.Parameter(rows(head.weight, index), requires_grad=False)
        if head.bias is not None:
            compact.bias = nn.Parameter(rows(head.bias, index), requires_grad=False)
    model.lm_head = compact
    bias = getattr(model, "final_logits_bias", None)
    if isinstance(bias, torch.Tensor):
        model.final_logits_bias = bias[:, index].clone()  # assigning to a registered buffer replaces it


def _remapped(holder: Any, vocabulary: OutputVocabulary, keys: Iterable[str]) -> dict[str, Any]:
    present = {key: getattr(holder, key) for key in keys if getattr(holder, key, None) is not None}
    return vocabulary.remap_generation(present)


def restrict_output_vocabulary(
    model: PreTrainedModel, keep: Iterable[int], name: str, rows: RowReader = _take_rows
) -> OutputVocabulary | None:
    """Cut `model` down, in place, to generate only the ids in `keep` (plus the model's own special ids).

    The decoder gets an embedding of the kept rows and lm_head keeps only their rows; the encoder keeps the full
    embedding (the input may hold any token). Generation settings on the model move to compact ids. Logits of kept
    tokens are computed exactly as before. Apply before quantizing, so the compact head is what gets quantized.
    Returns None, leaving the model untouched, for model types other than SUPPORTED_MODEL_TYPES.

    `rows(weight, ids)` gives the rows `ids` of a weight; by default it indexes the weight, and a model still on
    the `meta` device passes a reader of its checkpoint, so that only the kept rows are ever read.
    """
    model_type = str(model.config.model_type)
    if model_type not in SUPPORTED_MODEL_TYPES or not isinstance(getattr(model, "lm_head", None), nn.Linear):
        log.info("output vocabulary of %s models is not restricted (supported: mt5, t5, mbart, bart)", model_type)
        return None
    full_size = int(model.lm_head.out_features)
    kept = sorted({token_id for token_id in [*keep, *_model_special_ids(model)] if 0 <= token_id < full_size})
    weight = model.lm_head.weight
    device = torch.device("cpu") if weight.is_meta else weight.device
    vocabulary = OutputVocabulary(name, kept, full_size, device)
    # Remapped before anything is cut, so a setting that cannot be remapped leaves the model as it was.
    config_ids = _remapped(model.config, vocabulary, SPECIAL_TOKEN_ID_KEYS)
    generation_keys = (*SPECIAL_TOKEN_ID_KEYS, *_SUPPRESS_KEYS, "bad_words_ids", *_UNSUPPORTED_KEYS)
    generation = _remapped(model.generation_config, vocabulary, generation_keys)
    decoder = model.get_decoder()
    embedding = decoder.embed_tokens
    with torch.no_grad():
        kept_rows = rows(embedding.weight, vocabulary.full_ids)
        decoder.embed_tokens = CompactEmbedding(kept_rows, getattr(embedding, "embed_scale", None))
    _cut_head(model, vocabulary.full_ids, rows)
    for holder, values in ((model.config, config_ids), (model.generation_config, generation)):
        for key, value in values.items():
            setattr(holder, key, value)
    model.config.vocab_size = vocabulary.size  # generate() reads the head's width from here
    log.info("%s output vocabulary: %d of %d tokens", name, vocabulary.size, full_size)
    return vocabulary
