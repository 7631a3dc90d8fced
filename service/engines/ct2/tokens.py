"""Tokenizing for a converted model without transformers: the tokenizer's own files, saved beside the model when it
was converted (service.engines.converter), read with `tokenizers` or `sentencepiece` directly.

Token ids are the converted vocabulary's (`shared_vocabulary.json`, one token per id, the tokenizer's order), so the
same id means the same token to the tokenizer, to CTranslate2 and to the Arabic output map. Encoding and decoding
give what the checkpoint's transformers tokenizer gives (tests/engines/test_ct2_tokens.py holds them equal).
"""

import json
from pathlib import Path
from typing import Any, Protocol

# The file beside a converted model that says how to tokenize for it and how it was configured.
SPEC_FILE = "khulasa.json"
SPEC_FORMAT = 1

# transformers' clean-up of spaces a word-piece decoder leaves before punctuation and English contractions.
_CLEAN_UP: tuple[tuple[str, str], ...] = (
    *((f" {mark}", mark) for mark in ".?!,"),
    (" ' ", "'"),
    *((f" {ending}", ending) for ending in ("n't", "'m", "'s", "'ve", "'re")),
)
_WORD_START = "\u2581"  # sentencepiece's mark of a piece that starts a word


def read_spec(converted: Path) -> dict[str, Any] | None:
    """The spec of a converted model, or None for one converted before specs were written (convert it again)."""
    path = converted / SPEC_FILE
    if not path.is_file():
        return None
    spec: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return spec if spec.get("format") == SPEC_FORMAT else None


class _Pieces(Protocol):
    def encode(self, texts: list[str]) -> list[list[int]]: ...

    def decode(self, ids: list[int]) -> str: ...


class _TokenizersPieces:
    """A `tokenizers` tokenizer (tokenizer.json): mT5, mBART, NLLB."""

    def __init__(self, path: Path) -> None:
        from tokenizers import Tokenizer

        self._tokenizer = Tokenizer.from_file(str(path))

    def encode(self, texts: list[str]) -> list[list[int]]:
        return [list(found.ids) for found in self._tokenizer.encode_batch(texts, add_special_tokens=False)]

    def decode(self, ids: list[int]) -> str:
        return str(self._tokenizer.decode(ids, skip_special_tokens=True))


class _MarianPieces:
    """Marian: sentencepiece pieces looked up in vocab.json (a piece it lacks is unknown), decoded by the source
    model, as MarianTokenizer does with a shared vocabulary."""

    def __init__(self, directory: Path, unk_token: str, special: set[int]) -> None:
        import sentencepiece

        self._source = sentencepiece.SentencePieceProcessor(model_file=str(directory / "source.spm"))
        self._vocab: dict[str, int] = json.loads((directory / "vocab.json").read_text(encoding="utf-8"))
        self._pieces = {index: piece for piece, index in self._vocab.items()}
        self._unk = self._vocab[unk_token]
        self._special = special

    def encode(self, texts: list[str]) -> list[list[int]]:
        found = self._source.encode(texts, out_type=str)
        return [[self._vocab.get(piece, self._unk) for piece in pieces] for pieces in found]

    def decode(self, ids: list[int]) -> str:
        pieces = [self._pieces.get(i) or self._source.id_to_piece(i) for i in ids if i not in self._special]
        return str(self._source.decode_pieces(pieces)).replace(_WORD_START, " ").strip()


class ServingTokenizer:
    """Text to the converted model's tokens and its tokens back to text, as the checkpoint's tokenizer does."""

    def __init__(self, converted: Path, spec: dict[str, Any], vocabulary: list[str]) -> None:
        entry = spec["tokenizer"]
        self._prefix: list[int] = list(entry["prefix"])
        self._suffix: list[int] = list(entry["suffix"])
        self._clean_up = bool(entry["clean_up_tokenization_spaces"])
        self.model_max_length = int(entry["model_max_length"])
        self.eos_token: str = entry["eos_token"]
        self.vocabulary = vocabulary
        self._ids = {token: index for index, token in enumerate(vocabulary)}
        self._pieces: _Pieces
        if entry["kind"] == "tokenizers":
            self._pieces = _TokenizersPieces(converted / "tokenizer.json")
        else:
            self._pieces = _MarianPieces(converted, entry["unk_token"], set(entry["special_ids"]))

    @property
    def special_count(self) -> int:
        """Special tokens added to every input (language code, end of sequence)."""
        return len(self._prefix) + len(self._suffix)

    def count(self, texts: list[str]) -> list[int]:
        """Tokens per text, special tokens excluded."""
        return [len(ids) for ids in self._pieces.encode(texts)] if texts else []

    def encode_ids(self, texts: list[str]) -> list[list[int]]:
        """Model input ids per text, special tokens included, as the checkpoint's tokenizer gives them."""
        return [self._prefix + ids + self._suffix for ids in self._pieces.encode(texts)] if texts else []

    def encode(self, texts: list[str]) -> list[list[str]]:
        """Model input tokens per text (CTranslate2's input)."""
        return [[self.vocabulary[i] for i in ids] for ids in self.encode_ids(texts)]

    def ids(self, tokens: list[str]) -> list[int]:
        """The ids of the converted model's tokens."""
        return [self._ids[token] for token in tokens]

    def decode(self, tokens: list[str]) -> str:
        """The text of output tokens, special tokens left out, whitespace runs folded."""
        text = self._pieces.decode(self.ids(tokens))
        if self._clean_up:
            for spaced, joined in _CLEAN_UP:
                text = text.replace(spaced, joined)
        return " ".join(text.split())
