"""Build a CPU int8 model straight from its checkpoint, tensor by tensor, never beside an fp32 copy of it.

The model's skeleton is made on the `meta` device (no memory), from its config. Then every tensor goes to its final
form as it is read: Linear weights into int8 dynamically quantized Linear modules and word embeddings into int8
rows (`memory.py`), a block of rows at a time; the summarizer's head and decoder embedding, when its output
vocabulary is restricted, only as their kept rows; everything else (norms, biases, positions) as it is. Ties,
missing tensors (Marian's sinusoidal positions are computed, not stored) and the generation config follow
`from_pretrained`, so the result equals loading the fp32 model and then quantizing it (tests/engines/test_streaming.py).
"""

import copy
import logging
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import torch
from torch import nn
from transformers import AutoModelForSeq2SeqLM, PretrainedConfig, PreTrainedModel

from service.engines.torch_backend.checkpoint import Checkpoint, StoredTensor, weight_files
from service.engines.torch_backend.memory import (
    Int8Embedding,
    int8_linear,
    is_word_embedding,
    release_memory,
    trim_heap,
)
from service.engines.torch_backend.vocabulary import OutputVocabulary, arabic_output_ids, restrict_output_vocabulary

log = logging.getLogger(__name__)


def load_int8(
    where: str, config: PretrainedConfig, tokenizer: Any, *, output_vocab: str = "full", revision: str | None = None
) -> tuple[PreTrainedModel, OutputVocabulary | None]:
    """An fp32-config seq2seq model in eval mode with int8 Linear layers and word embeddings, read from `where`
    (local directory or hub id) without materialising its fp32 weights; with `output_vocab="arabic"` the output
    vocabulary is restricted as `vocabulary.restrict_output_vocabulary` does. Raises what reading raises."""
    download = {"revision": revision} if revision else {}
    checkpoint = Checkpoint(weight_files(where, **download))
    try:
        with torch.device("meta"):
            model = AutoModelForSeq2SeqLM.from_config(copy.deepcopy(config), dtype=torch.float32)
        sources = _bind_to_checkpoint(model, checkpoint)
        _load_plain_tensors(model, checkpoint, sources)
        _generation_config(model, where, revision)
        vocabulary = None
        if output_vocab == "arabic":
            vocabulary = restrict_output_vocabulary(
                model, arabic_output_ids(tokenizer), name="arabic", rows=_row_reader(checkpoint, sources)
            )
            trim_heap()  # the blocks read for the kept rows, freed but still held by the allocator
        model.eval()  # after the cut and before quantizing, as quantize_dynamic does on a loaded model
        _quantize_from_checkpoint(model, checkpoint, sources)
    finally:
        checkpoint.close()
    leftover = [name for name, tensor in [*model.named_parameters(), *model.named_buffers()] if tensor.is_meta]
    if leftover:
        raise ValueError(f"checkpoint left {', '.join(leftover[:3])} unset")
    release_memory()
    return model, vocabulary


def _converted(model: nn.Module) -> set[int]:
    """ids of the parameters only int8 modules use (Linear weights, word embeddings): read only when converted.

    A weight another module also uses as it is (mBART's scaled embedding tied to the head) is read in full.
    """
    converted: set[int] = set()
    plain: set[int] = set()
    for name, module in model.named_modules(remove_duplicate=False):
        becomes_int8 = type(module) is nn.Linear or (type(module) is nn.Embedding and is_word_embedding(name))
        for attribute, parameter in module._parameters.items():
            if parameter is not None:
                (converted if becomes_int8 and attribute == "weight" else plain).add(id(parameter))
    return converted - plain


def _bind_to_checkpoint(model: nn.Module, checkpoint: Checkpoint) -> dict[int, str]:
    """Map each parameter and persistent buffer (by id) to the checkpoint key it is read from.

    Names sharing one parameter (tied weights) read the first of them the checkpoint has; a name the checkpoint
    holds with other values than that one gets a parameter of its own, untied, as `from_pretrained` does.
    """
    names: dict[int, list[str]] = defaultdict(list)
    tensors: dict[int, torch.Tensor] = {}
    for name, parameter in model.named_parameters(remove_duplicate=False):
        names[id(parameter)].append(name)
        tensors[id(parameter)] = parameter
    sources: dict[int, str] = {}
    for key, group in names.items():
        present = [name for name in group if name in checkpoint]
        if not present:
            continue
        sources[key] = present[0]
        for name in present[1:]:
            if not checkpoint.same_data(present[0], name):
                untied = nn.Parameter(torch.empty_like(tensors[key]), requires_grad=tensors[key].requires_grad)
                _set_tensor(model, name, untied)
                sources[id(untied)] = name
                log.info("%s differs from %s in the checkpoint: not tied", name, present[0])
    for name, buffer in model.named_buffers():
        if name in checkpoint:
            sources[id(buffer)] = name
    return sources


def _set_tensor(model: nn.Module, name: str, tensor: torch.Tensor) -> None:
    owner, _, attribute = name.rpartition(".")
    module = model.get_submodule(owner)
    if attribute in module._parameters:
        module._parameters[attribute] = tensor  # type: ignore[assignment]
    else:
        module._buffers[attribute] = tensor


def _load_plain_tensors(model: PreTrainedModel, checkpoint: Checkpoint, sources: dict[int, str]) -> None:
    """Read every tensor that stays as it is; initialise the ones the checkpoint lacks as from_pretrained does."""
    converted = _converted(model)
    missing_owners: list[nn.Module] = []
    loaded: dict[int, torch.Tensor] = {}
    with torch.no_grad():
        for module in model.modules():
            entries: list[tuple[str, torch.Tensor, bool]] = [
                (name, tensor, True) for name, tensor in module._parameters.items() if tensor is not None
            ]
            entries += [(name, tensor, False) for name, tensor in module._buffers.items() if tensor is not None]
            for name, tensor, is_parameter in entries:
                if id(tensor) in converted:
                    continue
                if id(tensor) not in loaded:
                    key = sources.get(id(tensor))
                    if key is None:
                        value = torch.empty_like(tensor, device="cpu")
                        missing_owners.append(module)
                    else:
                        value = checkpoint.tensor(key, tensor.dtype).read().reshape(tensor.shape)
                        value._is_hf_initialized = True  # type: ignore[attr-defined]  # init skips it
                    if is_parameter:
                        value = nn.Parameter(value, requires_grad=tensor.requires_grad)
                    loaded[id(tensor)] = value
                if is_parameter:
                    module._parameters[name] = loaded[id(tensor)]  # type: ignore[assignment]
                else:
                    module._buffers[name] = loaded[id(tensor)]
        for module in dict.fromkeys(missing_owners):
            # Computed values (sinusoidal positions, non-persistent buffers) or, for a truly missing weight, the
            # random init from_pretrained would give it too.
            model._init_weights(module)


def _generation_config(model: PreTrainedModel, where: str, revision: str | None) -> None:
    """The checkpoint's generation config, or one made from its config, read as from_pretrained reads it (the same
    call with from_pretrained's default download options)."""
    model.adjust_generation_fn(  # type: ignore[operator]
        None,
        True,
        None,
        where,
        cache_dir=None,
        force_download=False,
        proxies=None,
        local_files_only=False,
        token=None,
        revision=revision or "main",
        subfolder="",
        trust_remote_code=None,
    )


def _row_reader(
    checkpoint: Checkpoint, sources: dict[int, str]
) -> Callable[[torch.Tensor, torch.Tensor], torch.Tensor]:
    def rows(tensor: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
        if not tensor.is_meta:
            return tensor[index]
        return checkpoint.tensor(sources[id(tensor)], tensor.dtype)[index.cpu()]

    return rows


def _stored_or_real(
    tensor: torch.Tensor, checkpoint: Checkpoint, sources: dict[int, str]
) -> torch.Tensor | StoredTensor:
    if not tensor.is_meta:
        return tensor
    if id(tensor) not in sources:
        raise ValueError("a weight to quantize is missing from the checkpoint")
    return checkpoint.tensor(sources[id(tensor)], tensor.dtype)


def _quantize_from_checkpoint(model: nn.Module, checkpoint: Checkpoint, sources: dict[int, str]) -> None:
    """Word embeddings to Int8Embedding (tables that shared a weight share one), Linear to int8, in place."""
    tables: dict[int, Int8Embedding] = {}
    for parent in list(model.modules()):
        for name, child in list(parent.named_children()):
            if type(child) is nn.Embedding and is_word_embedding(name):
                key = id(child.weight)
                if key not in tables:
                    weight = _stored_or_real(child.weight, checkpoint, sources)
                    tables[key] = Int8Embedding(weight, child.padding_idx)
                    trim_heap()
                setattr(parent, name, tables[key])
            elif type(child) is nn.Linear:
                weight = _stored_or_real(child.weight, checkpoint, sources)
                setattr(parent, name, int8_linear(weight, child.bias))
