"""The corpus model: word statistics learned from the ANT news corpus, shipped as corpus_model.npz (numpy only).

benchmarks/build_semantic.py writes it, with corpus_model.manifest.json beside it (corpus commit, every article
used, the exclusion list's sha256, seed, command line). It is read once, on first use, never at import time; loaded,
it adds about 21 MB of resident memory.
"""

from __future__ import annotations

import functools
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ARTIFACT = Path(__file__).with_name("corpus_model.npz")
MANIFEST = ARTIFACT.with_name("corpus_model.manifest.json")
# Arrays indexed by vocabulary row, stored as float16 and widened to float32 on load.
TERM_ARRAYS = ("idf", "definite", "next_shared", "next_unshared", "context_shared", "context_unshared")


@dataclass(frozen=True, slots=True)
class CorpusModel:
    """Everything the corpus evidence reads. `index` maps a light stem to its row in the per-term arrays.

    `terms[name]` (TERM_ARRAYS) holds one number per term; `vectors` one unit row per term; the pair model is
    a logistic regression over the features `pair_names`, weights `pair_weights`, intercept `pair_bias`.
    """

    index: dict[str, int]
    terms: dict[str, np.ndarray]
    vectors: np.ndarray
    pair_names: tuple[str, ...]
    pair_weights: np.ndarray
    pair_bias: float


def load() -> CorpusModel:
    """The shipped model, read on the first call and kept (about 0.15 s); FileNotFoundError if it is missing."""
    return _load(ARTIFACT)


@functools.cache
def _load(path: Path) -> CorpusModel:
    return read(path)


def read(path: Path) -> CorpusModel:
    """A corpus model from an .npz file written by write()."""
    with np.load(path, allow_pickle=False) as arrays:
        words = bytes(arrays["vocabulary"]).decode("utf-8").split("\n")
        pair = np.asarray(arrays["pair"], dtype=np.float64)
        return CorpusModel(
            index={word: row for row, word in enumerate(words)},
            terms={name: np.asarray(arrays[name], dtype=np.float32) for name in TERM_ARRAYS},
            vectors=np.asarray(arrays["vectors"], dtype=np.float32),
            pair_names=tuple(bytes(arrays["pair_names"]).decode("utf-8").split("\n")),
            pair_weights=pair[1:],
            pair_bias=float(pair[0]),
        )


def write(path: Path, words: list[str], arrays: dict[str, np.ndarray], pair_names: list[str]) -> None:
    """Write a model byte-for-byte reproducibly: a zip (np.load reads it as .npz) with fixed timestamps.

    `arrays` holds TERM_ARRAYS, "vectors" and "pair" (intercept first, then one weight per pair feature).
    """
    entries: dict[str, np.ndarray] = {
        "vocabulary": np.frombuffer("\n".join(words).encode("utf-8"), dtype=np.uint8),
        "pair_names": np.frombuffer("\n".join(pair_names).encode("utf-8"), dtype=np.uint8),
        "pair": np.asarray(arrays["pair"], dtype=np.float64),
        "vectors": np.asarray(arrays["vectors"], dtype=np.float16),
        **{name: np.asarray(arrays[name], dtype=np.float16) for name in TERM_ARRAYS},
    }
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(entries):
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, entries[name], allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, buffer.getvalue())
