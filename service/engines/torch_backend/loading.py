"""Load a Hugging Face seq2seq checkpoint (hub id or local directory) on the right device and dtype."""

import logging
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import torch
from transformers import AutoConfig, AutoModelForSeq2SeqLM, AutoTokenizer, PreTrainedModel

from service.config import looks_like_local_path
from service.engines.torch_backend.memory import own_small_tensors, quantize_embeddings, release_memory
from service.engines.torch_backend.streaming import load_int8
from service.engines.torch_backend.vocabulary import OutputVocabulary, arabic_output_ids, restrict_output_vocabulary
from service.errors import ConfigError, ModelLoadError

log = logging.getLogger(__name__)

# T5-family weights overflow in float16 (NaNs); bf16 or fp32 only.
_NO_FP16 = {"t5", "mt5", "umt5", "byt5", "longt5"}
_DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}


@dataclass
class LoadedModel:
    """A model and its tokenizer, ready for `generate`, with what /info reports about them."""

    source: str
    model: PreTrainedModel
    tokenizer: Any
    device: torch.device
    dtype: torch.dtype
    model_type: str
    revision: str | None
    quantization: str = "none"
    # Set when generation runs in a restricted output vocabulary: it maps generated ids back to the tokenizer's.
    vocabulary: OutputVocabulary | None = None


def pick_device(requested: str) -> torch.device:
    """`auto` picks CUDA when available, else CPU; asking for CUDA without a GPU is a ConfigError."""
    if requested == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if requested == "cuda" and not torch.cuda.is_available():
        raise ConfigError("KHULASA_DEVICE=cuda but no CUDA device is available")
    return torch.device(requested)


def pick_dtype(device: torch.device, model_type: str, requested: str = "auto") -> torch.dtype:
    """fp32 on CPU, bf16 on CUDA (fp32 for the T5 family on GPUs without bf16); never fp16 for the T5 family."""
    if requested != "auto":
        dtype = _DTYPES[requested]
        if dtype == torch.float16 and model_type in _NO_FP16:
            raise ConfigError(f"{model_type} checkpoints produce NaNs in float16; use bfloat16 or float32")
        return dtype
    if device.type != "cuda":
        return torch.float32
    if torch.cuda.is_bf16_supported():
        return torch.bfloat16
    return torch.float32 if model_type in _NO_FP16 else torch.float16


def pick_quantization(device: torch.device, requested: str = "auto") -> str:
    """int8 dynamic quantization pays on CPU (several times faster linear layers); CUDA runs bf16 instead."""
    if requested == "auto":
        return "int8" if device.type == "cpu" else "none"
    if requested == "int8" and device.type != "cpu":
        raise ConfigError("int8 dynamic quantization runs on CPU only; use KHULASA_QUANTIZE=none on CUDA")
    return requested


def quantize_int8(model: PreTrainedModel) -> None:
    """Replace every nn.Linear by its int8 dynamically quantized twin, in place (weights int8, activations
    quantized per batch at run time)."""
    with warnings.catch_warnings():
        # torch marks torch.ao.quantization deprecated (torchao is its successor); in 2.13 the dynamic path still
        # works and pays. Checked by tests/engines/test_loading.py so an upgrade that removes it fails loudly.
        warnings.simplefilter("ignore", UserWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8, inplace=True)


def shrink_to_int8(model: PreTrainedModel) -> None:
    """int8 Linear layers and word embeddings, every other tensor owned, the checkpoint's memory map let go."""
    own_small_tensors(model)
    quantize_int8(model)
    quantize_embeddings(model)
    release_memory()


def load_seq2seq(
    source: str,
    *,
    device: torch.device,
    dtype: str = "auto",
    revision: str | None = None,
    quantize: str = "none",
    output_vocab: str = "full",
) -> LoadedModel:
    """Load tokenizer and model in eval mode. Raises ModelLoadError naming `source` and the reason in one line.

    `output_vocab="arabic"` restricts generation to the tokens Arabic output can use (see `vocabulary.py`); model
    families that cannot be restricted load in full, with a log line.
    """
    local = looks_like_local_path(source)
    where = str(Path(source).expanduser()) if local else source
    kwargs: dict[str, Any] = {} if local else {"revision": revision}
    quantization = pick_quantization(device, quantize)
    vocabulary = None
    try:
        config = AutoConfig.from_pretrained(where, **kwargs)
        model_type = str(config.model_type)
        torch_dtype = pick_dtype(device, model_type, dtype)
        tokenizer = AutoTokenizer.from_pretrained(where, **kwargs)
        if quantization == "int8" and torch_dtype == torch.float32:
            # Straight into int8, tensor by tensor: the fp32 model is never in memory (streaming.py).
            model, vocabulary = load_int8(
                where, config, tokenizer, output_vocab=output_vocab, revision=kwargs.get("revision")
            )
        else:
            model = AutoModelForSeq2SeqLM.from_pretrained(where, dtype=torch_dtype, **kwargs)
    except ConfigError:
        raise
    except Exception as error:  # noqa: BLE001 - transformers raises anything from a broken checkpoint
        reason = f"{type(error).__name__}: {' '.join(str(error).split())}"
        raise ModelLoadError(f"cannot load model {source}: {reason}") from error
    if quantization != "int8" or torch_dtype != torch.float32:
        cast(Any, model).to(device)
        model.eval()
        if output_vocab == "arabic":
            # Before quantizing: the compact head is what gets quantized, and the full one is never converted.
            vocabulary = restrict_output_vocabulary(model, arabic_output_ids(tokenizer), name="arabic")
        if quantization == "int8":
            shrink_to_int8(model)
    commit = getattr(model.config, "_commit_hash", None)
    log.info("loaded %s (%s) on %s as %s", source, model_type, device, torch_dtype)
    return LoadedModel(
        source=source,
        model=model,
        tokenizer=tokenizer,
        device=device,
        dtype=torch_dtype,
        model_type=model_type,
        revision=commit or revision,
        quantization=quantization,
        vocabulary=vocabulary,
    )
