"""Read a checkpoint's tensors a few rows at a time, never the whole file at once.

A memory-mapped file counts towards the process's resident memory for every page read through the mapping, for as
long as the mapping lives. So each read here maps the file, copies the rows it wants into memory of its own and lets
the mapping go (safetensors), or drops the pages it read from the mapping (PyTorch `.bin` checkpoints, which
`torch.load` maps once): reading a whole 2.3 GB checkpoint this way never holds more than one block of it.
"""

import ctypes
import json
import logging
import mmap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import torch
from safetensors import safe_open
from transformers.utils import cached_file

log = logging.getLogger(__name__)

# Weight files in the order transformers prefers them; an index names the shards of a sharded checkpoint.
_WEIGHT_FILES = (
    "model.safetensors",
    "model.safetensors.index.json",
    "pytorch_model.bin",
    "pytorch_model.bin.index.json",
)
# Rows read at a time are capped by bytes: 1,365 rows of mT5-base's 768-wide tables.
BLOCK_BYTES = 4 * 1024 * 1024
_MADV_DONTNEED = 4


def weight_files(where: str, **download: Any) -> list[Path]:
    """The weight files of a checkpoint (local directory or hub id, fetched like `from_pretrained` would).

    Raises FileNotFoundError when it has neither safetensors nor PyTorch weights.
    """
    for name in _WEIGHT_FILES:
        found = cached_file(where, name, _raise_exceptions_for_missing_entries=False, **download)
        if found is None:
            continue
        if not name.endswith(".index.json"):
            return [Path(found)]
        shards = sorted(set(json.loads(Path(found).read_text(encoding="utf-8"))["weight_map"].values()))
        return [Path(cached_file(where, shard, **download) or shard) for shard in shards]
    raise FileNotFoundError(f"no {' or '.join(_WEIGHT_FILES[::2])} found")


class StoredTensor:
    """One tensor of a checkpoint, read on demand: `stored[a:b]` or `stored[ids]` reads those rows only, as a new
    tensor in `dtype` that shares no memory with the file."""

    def __init__(self, checkpoint: "Checkpoint", key: str, shape: torch.Size, dtype: torch.dtype) -> None:
        self.checkpoint = checkpoint
        self.key = key
        self.shape = shape
        self.dtype = dtype

    def block_rows(self) -> int:
        """Rows per block so that a block stays under BLOCK_BYTES (at least one row)."""
        row_bytes = max(1, self.shape[1:].numel() * self.dtype.itemsize)
        return max(1, BLOCK_BYTES // row_bytes)

    def blocks(self) -> Iterator[tuple[int, torch.Tensor]]:
        """(first row, rows) for consecutive blocks covering the whole tensor."""
        step = self.block_rows()
        for start in range(0, self.shape[0], step):
            yield start, self[start : start + step]

    def __getitem__(self, rows: slice | torch.Tensor) -> torch.Tensor:
        if isinstance(rows, slice):
            start, stop, _ = rows.indices(self.shape[0])
            return self.checkpoint.read_rows(self.key, start, stop, self.dtype)
        # Rows by id (sorted or not): read block by block, keep the wanted ones.
        ids = rows.to(torch.long).flatten()
        taken = torch.empty((len(ids), *self.shape[1:]), dtype=self.dtype)
        for start, block in self.blocks():
            inside = (ids >= start) & (ids < start + len(block))
            if bool(inside.any()):
                taken[inside] = block[ids[inside] - start]
        return taken.reshape(*rows.shape, *self.shape[1:])

    def read(self) -> torch.Tensor:
        """The whole tensor (0-d ones too)."""
        return self.checkpoint.read_rows(self.key, 0, self.shape[0] if self.shape else 0, self.dtype)


class Checkpoint:
    """The tensors of one checkpoint (safetensors or PyTorch `.bin`, single file or shards), by name."""

    def __init__(self, files: list[Path]) -> None:
        self._where: dict[str, Path] = {}
        self._shapes: dict[str, torch.Size] = {}
        self._pickled: dict[Path, dict[str, torch.Tensor]] = {}
        for file in files:
            if file.suffix == ".safetensors":
                with safe_open(file, framework="pt") as handle:
                    for key in handle.keys():  # noqa: SIM118 - safe_open is not a mapping
                        self._where[key] = file
                        self._shapes[key] = torch.Size(handle.get_slice(key).get_shape())
            else:
                # Mapped, not read: each block's pages are dropped again once copied (see _drop_pages).
                tensors = torch.load(file, map_location="cpu", mmap=True, weights_only=True)
                self._pickled[file] = tensors
                for key, tensor in tensors.items():
                    self._where[key] = file
                    self._shapes[key] = tensor.shape

    def __contains__(self, key: str) -> bool:
        return key in self._where

    def keys(self) -> list[str]:
        return list(self._where)

    def shape(self, key: str) -> torch.Size:
        return self._shapes[key]

    def tensor(self, key: str, dtype: torch.dtype) -> StoredTensor:
        """A lazy handle on `key`, read as `dtype`."""
        return StoredTensor(self, key, self._shapes[key], dtype)

    def read_rows(self, key: str, start: int, stop: int, dtype: torch.dtype) -> torch.Tensor:
        """Rows start..stop of `key` (a 0-d tensor is read whole), copied into memory of their own."""
        file = self._where[key]
        if file in self._pickled:
            stored = self._pickled[file][key]
            view = stored if stored.dim() == 0 else stored[start:stop]
            copy = view.to(dtype=dtype, copy=True)
            _drop_pages(view)
            return copy
        with safe_open(file, framework="pt") as handle:
            if not self._shapes[key]:
                return handle.get_tensor(key).to(dtype=dtype, copy=True)
            return handle.get_slice(key)[start:stop].to(dtype=dtype, copy=True)

    def same_data(self, first: str, second: str) -> bool:
        """Whether two keys hold equal values (old `.bin` checkpoints store tied weights under every name)."""
        if self._shapes[first] != self._shapes[second]:
            return False
        a, b = self.tensor(first, torch.float32), self.tensor(second, torch.float32)
        if self._shapes[first] and not torch.equal(a[0:1], b[0:1]):
            return False  # an untied head differs from the first row on: no need to read the rest
        return all(torch.equal(block, b[start : start + len(block)]) for start, block in a.blocks())

    def close(self) -> None:
        """Let go of the `.bin` mappings."""
        self._pickled.clear()


def _drop_pages(view: torch.Tensor) -> None:
    """Drop the pages under `view` from a private read-only file mapping: they no longer count as resident, and a
    later read maps them again from the file. Pages only partly covered are kept. No-op where madvise is missing."""
    start, length = view.data_ptr(), view.nbytes
    page = mmap.PAGESIZE
    first = -(-start // page) * page
    last = (start + length) // page * page
    if last <= first:
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.madvise(ctypes.c_void_p(first), ctypes.c_size_t(last - first), _MADV_DONTNEED)
    except (OSError, AttributeError):
        log.debug("madvise is not available; mapped checkpoint pages stay resident until loading ends")
