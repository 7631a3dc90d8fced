"""Keep a CPU model small in memory once it is quantized.

Two things hold memory that int8 Linear layers alone do not release. Word embeddings stay fp32: mT5's 250,112 x 768
table is 768 MB. And parameters loaded from a safetensors file are views of its memory map, so every page of the
file touched while loading stays resident for as long as one view survives.
"""

import ctypes
import gc
import logging
import warnings
from collections.abc import Iterator

import torch
from torch import nn
from torch.ao.nn.quantized.dynamic import Linear as DynamicInt8Linear

from service.engines.torch_backend.checkpoint import StoredTensor

log = logging.getLogger(__name__)

# fp32 bytes converted at a time, so quantizing a 250k-row table never holds a second fp32 copy of it (a few
# temporaries of this size exist during each step).
_BYTES_PER_STEP = 4 * 1024 * 1024


class Int8Embedding(nn.Module):
    """An embedding table stored as int8 with one float scale per row; lookups return float rows.

    The error of a looked-up value is at most half a step, |row|max / 254, like int8 weights elsewhere.
    """

    codes: torch.Tensor
    scale: torch.Tensor

    def __init__(self, weight: torch.Tensor | StoredTensor, padding_idx: int | None = None) -> None:
        super().__init__()
        self.num_embeddings, self.embedding_dim = weight.shape
        self.padding_idx = padding_idx
        rows = weight.shape[0]
        codes = torch.empty(weight.shape, dtype=torch.int8)
        scale = torch.empty((rows, 1), dtype=weight.dtype)
        # Each row has its own scale, so converting block by block is converting the whole table.
        per_step = max(1, _BYTES_PER_STEP // max(1, weight.shape[1] * weight.dtype.itemsize))
        with torch.no_grad():
            for start in range(0, rows, per_step):
                block = weight[start : start + per_step].detach()
                step = block.abs().amax(dim=1, keepdim=True).clamp(min=torch.finfo(weight.dtype).tiny) / 127
                codes[start : start + per_step] = torch.round(block / step).to(torch.int8)
                scale[start : start + per_step] = step
        self.register_buffer("codes", codes)
        self.register_buffer("scale", scale)

    def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
        return self.codes[input_ids].to(self.scale.dtype) * self.scale[input_ids]

    def extra_repr(self) -> str:
        return f"{self.num_embeddings}, {self.embedding_dim}, int8 rows"


def int8_linear(weight: torch.Tensor | StoredTensor, bias: torch.Tensor | None) -> nn.Module:
    """The int8 dynamically quantized Linear that `torch.ao.quantization.quantize_dynamic` makes of an nn.Linear
    with this weight and bias, bit for bit, built from the weight a block of rows at a time.

    `weight` may be a StoredTensor: then no more than one block of it is ever in memory as fp32. The weight's
    per-tensor scale comes from the same MinMax observer, fed block by block (a minimum and a maximum do not depend
    on the order), and each block is quantized with that scale, which is what quantizing the whole tensor does.
    """
    with warnings.catch_warnings():
        # torch.ao.quantization is marked deprecated in favour of torchao; the dynamic path works in torch 2.13.
        warnings.simplefilter("ignore", UserWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        from torch.ao.nn.quantized.modules.utils import _quantize_weight
        from torch.ao.quantization import default_dynamic_qconfig

        observer = default_dynamic_qconfig.weight()
        out_features, in_features = weight.shape
        one_block = out_features <= _rows_per_block(weight)
        kept = None
        for _, block in _weight_blocks(weight):
            observer(block)
            kept = block if one_block else None
        scale, zero_point = observer.calculate_qparams()
        codes = torch.empty((out_features, in_features), dtype=torch.int8)
        for start, block in [(0, kept)] if kept is not None else _weight_blocks(weight):
            codes[start : start + len(block)] = _quantize_weight(block, observer).int_repr()
        quantized = torch._make_per_tensor_quantized_tensor(codes, float(scale), int(zero_point))
        linear = DynamicInt8Linear(in_features, out_features, dtype=torch.qint8)
        linear.set_weight_bias(quantized, bias)
    return linear


def _rows_per_block(weight: torch.Tensor | StoredTensor) -> int:
    return weight.block_rows() if isinstance(weight, StoredTensor) else weight.shape[0]


def _weight_blocks(weight: torch.Tensor | StoredTensor) -> Iterator[tuple[int, torch.Tensor]]:
    if isinstance(weight, StoredTensor):
        yield from weight.blocks()
    else:
        yield 0, weight.detach().float()


def quantize_embeddings(model: nn.Module) -> int:
    """Replace the word embeddings (modules named `shared` or `embed_tokens`) by Int8Embedding, in place; modules
    that shared a table share its int8 copy. Positional tables and T5's relative position biases stay as they are.
    Returns the number of tables quantized."""
    converted: dict[int, Int8Embedding] = {}
    for parent in list(model.modules()):
        for name, child in list(parent.named_children()):
            if type(child) is not nn.Embedding or not is_word_embedding(name):
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
        if type(module) is nn.Linear or (type(module) is nn.Embedding and is_word_embedding(name))
    }
    with torch.no_grad():
        for module in model.modules():
            for parameter in module.parameters(recurse=False):
                if id(parameter) not in converted:
                    parameter.data = parameter.data.clone()
            for name, buffer in list(module.named_buffers(recurse=False)):
                if buffer is not None:
                    module._buffers[name] = buffer.clone()


def is_word_embedding(name: str) -> bool:
    """Whether a module attribute named `name` holds word embeddings (T5 and BART family names)."""
    return name.rsplit(".", 1)[-1] in ("shared", "embed_tokens")


def release_memory() -> None:
    """Collect what conversion left behind and hand freed heap back to the system."""
    gc.collect()
    trim_heap()


def trim_heap() -> None:
    """Hand freed heap back to the system (glibc keeps freed blocks of a few MB for reuse, resident)."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to trim, nothing lost
        log.debug("malloc_trim is not available")
