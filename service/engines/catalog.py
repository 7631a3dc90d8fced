"""The model catalog (models/catalog.toml): known checkpoints, their licences and generation settings."""

import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from service.errors import ConfigError

# Language codes by model family when the catalog does not give them: (source, target) per role.
LANGUAGE_CODES = {
    "nllb": {"translator": ("arb_Arab", "eng_Latn"), "summarizer": ("arb_Arab", "arb_Arab")},
    "m2m_100": {"translator": ("ar", "en"), "summarizer": ("ar", "ar")},
    "mbart": {"translator": ("ar_AR", "en_XX"), "summarizer": ("ar_AR", "ar_AR")},
}
# Beyond any real checkpoint's context; tokenizers report ~1e30 when they do not know.
_UNKNOWN_LENGTH = 1_000_000


def model_input_limit(tokenizer_max_length: int, max_positions: int | None) -> int:
    """The most input tokens a checkpoint takes: its tokenizer's limit and its learned positions, whichever are
    known and smaller; 512 when neither is."""
    limits = [int(tokenizer_max_length), *([int(max_positions)] if max_positions else [])]
    usable = [limit for limit in limits if 0 < limit < _UNKNOWN_LENGTH]
    return min(usable) if usable else 512


_PACKAGED = Path(__file__).with_name("catalog.toml")
_SOURCE_TREE = Path(__file__).resolve().parents[2] / "models" / "catalog.toml"


@dataclass(frozen=True)
class ModelSpec:
    """One catalog entry."""

    id: str
    role: str
    family: str
    licence: str
    revision: str | None = None
    max_input_tokens: int | None = None
    src_lang: str | None = None
    tgt_lang: str | None = None
    generation: dict[str, Any] = field(default_factory=dict)
    architecture: dict[str, Any] = field(default_factory=dict)
    why: str = ""
    source: str = ""


def catalog_path(override: Path | None = None) -> Path:
    """The catalog file in use: the override, the copy inside an installed wheel, or the source tree's."""
    for candidate in (override, _PACKAGED, _SOURCE_TREE):
        if candidate is not None and candidate.is_file():
            return candidate
    raise ConfigError(f"model catalog not found (looked for {_PACKAGED} and {_SOURCE_TREE})")


@cache
def _read(path: Path) -> dict[str, ModelSpec]:
    with path.open("rb") as handle:
        raw = tomllib.load(handle)
    specs = {}
    for model_id, entry in raw.get("models", {}).items():
        known = {k: v for k, v in entry.items() if k in ModelSpec.__dataclass_fields__}
        specs[model_id] = ModelSpec(id=model_id, **known)
    return specs


def load_catalog(override: Path | None = None) -> dict[str, ModelSpec]:
    """All catalog entries by hub id."""
    return _read(catalog_path(override))


def find_spec(source: str, override: Path | None = None) -> ModelSpec | None:
    """The entry for a hub id, or None for checkpoints the catalog does not list (local directories included)."""
    return load_catalog(override).get(source)
