"""Keep a CPU model small in memory once it is quantized.

Two things hold memory that int8 Linear layers alone do not release. Word embeddings stay fp32: mT5's 250,112 x 768
table is 768 MB. And parameters loaded from a safetensors file are views of its memory map, so every page of the
file touched while loading stays resident for as long as one view survives.
"""

import ctypes
import gc
import logging

import torch
from torch import nn

log = logging.getLogger(__name__)

# Rows converted at a time, so quantizing a 250k-row table never holds a second fp32 copy of it.
_ROWS_PER_STEP = 8_192


class Int8Embedding(nn.Module):
    """An embedding table stored as int8 with one float scale per row; lookups return float rows.

    The error of a looked-up value is at most half a step, |row|max / 254, like int8 weights elsewhere.
    """

    codes: torch.Tensor
    scale: torch.Tensor

    def __init__(self, weight: torch.Tensor, padding_idx: int | None = None) -> None:
        super().__init__()
        self.num_embeddings, self.embedding_dim = weight.shape
        self.padding_idx = padding_idx
        rows = weight.shape[0]
        codes = torch.empty(weight.shape, dtype=torch.int8)
        scale = torch.empty((rows, 1), dtype=weight.dtype)
        with torch.no_grad():
            for start in range(0, rows, _ROWS_PER_STEP):
                block = weight[start : start + _ROWS_PER_STEP].detach()
                step = block.abs().amax(dim=1, keepdim=True).clamp(min=torch.finfo(weight.dtype).tiny) / 127
                codes[start : start + _ROWS_PER_STEP] = torch.round(block / step).to(torch.int8)
                scale[start : start + _ROWS_PER_STEP] = step
        self.register_buffer("codes", codes)
        self.register_buffer("scale", scale)

    def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
        return self.codes[input_ids].to(self.scale.dtype) * self.scale[input_ids]

    def extra_repr(self) -> str:
        return f"{self.num_embeddings}, {self.embedding_dim}, int8 rows"


def quantize_embeddings(model: nn.Module) -> int:
    """Replace the word embeddings (modules named `shared` or `embed_tokens`) by Int8Embedding, in place; modules
    that shared a table share its int8 copy. Positional tables and T5's relative position biases stay as they are.
    Returns the number of tables quantized."""
    converted: dict[int, Int8Embedding] = {}
    for parent in list(model.modules()):
        for name, child in list(parent.named_children()):
            if type(child) is not nn.Embedding or not _is_word_embedding(name):
                continue
            key = child.weight.data_ptr()
            if key not in converted:
                converted[key] = Int8Embedding(child.weight, child.padding_idx)
            setattr(parent, name, converted[key])
    return len(converted)


def own_small_tensors(model: nn.Module) -> None:
    """Copy every parameter and buffer except Linear weights and word embeddings (int8 conversion copies those)
    into memory of its own. Run before quantizing: a quantized Linear keeps its fp32 bias by reference, which
    would pin the checkpoint's memory map."""
    converted = {
        id(module.weight)
        for name, module in model.named_modules()
        if type(module) is nn.Linear or (type(module) is nn.Embedding and _is_word_embedding(name))
    }
    with torch.no_grad():
        for module in model.modules():
            for parameter in module.parameters(recurse=False):
                if id(parameter) not in converted:
                    parameter.data = parameter.data.clone()
            for name, buffer in list(module.named_buffers(recurse=False)):
                if buffer is not None:
                    module._buffers[name] = buffer.clone()


def _is_word_embedding(name: str) -> bool:
    return name.rsplit(".", 1)[-1] in ("shared", "embed_tokens")


def release_memory() -> None:
    """Collect what conversion left behind and hand freed heap back to the system."""
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to trim, nothing lost
        log.debug("malloc_trim is not available")
