"""Loading straight into int8, tensor by tensor (service/engines/torch_backend/streaming.py), gives exactly the
model that loading the fp32 checkpoint and then quantizing it gives, and never holds the fp32 copy."""

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import torch
from torch import nn
from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

from service.engines.torch_backend.loading import LoadedModel, load_seq2seq, shrink_to_int8
from service.engines.torch_backend.seq2seq import Seq2SeqEngine
from service.engines.torch_backend.tiny import CORPUS, build_sized
from service.engines.torch_backend.vocabulary import OutputVocabulary, arabic_output_ids, restrict_output_vocabulary
from tests.conftest import tiny_checkpoint

CPU = torch.device("cpu")
TEXTS = ["وصل الوفد إلى القاهرة.", "بدأ الاجتماع في الصباح بعد وصول الوزراء من طرابلس وبنغازي."]
TINY_MT5 = {"d_model": 32, "d_kv": 8, "d_ff": 64, "num_layers": 2, "num_decoder_layers": 2, "num_heads": 4}


def load_then_quantize(path: Path, output_vocab: str) -> LoadedModel:
    """The reference: the whole fp32 model from `from_pretrained`, cut to the Arabic rows, then quantized (what
    load_seq2seq did before it streamed, and still does for other dtypes)."""
    tokenizer = AutoTokenizer.from_pretrained(path)
    model = AutoModelForSeq2SeqLM.from_pretrained(path, dtype=torch.float32)
    model.eval()
    vocabulary = None
    if output_vocab == "arabic":
        vocabulary = restrict_output_vocabulary(model, arabic_output_ids(tokenizer), name="arabic")
    shrink_to_int8(model)
    return LoadedModel(
        str(path), model, tokenizer, CPU, torch.float32, model.config.model_type, None, "int8", vocabulary
    )


def _untied_mt5(directory: Path) -> Path:
    """A tiny mT5 with a head of its own, as mT5-XLSum has (the checkpoint stores shared and lm_head)."""
    sentences = [line for line in CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()]
    return build_sized("mt5", directory, sentences=sentences, spm_vocab=400, architecture={
        **TINY_MT5, "vocab_size": 420, "tie_word_embeddings": False,
    })  # fmt: skip


def _as_bin(source: Path, directory: Path) -> Path:
    """The checkpoint as an old PyTorch `.bin` that stores every tied name (sharing storage)."""
    shutil.copytree(source, directory)
    state = AutoModelForSeq2SeqLM.from_pretrained(source).state_dict()
    (directory / "model.safetensors").unlink()
    torch.save(state, directory / "pytorch_model.bin")
    return directory


def _sharded(source: Path, directory: Path) -> Path:
    shutil.copytree(source, directory)
    (directory / "model.safetensors").unlink()
    AutoModelForSeq2SeqLM.from_pretrained(source).save_pretrained(directory, max_shard_size="100KB")
    assert (directory / "model.safetensors.index.json").is_file()
    return directory


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    """Builds each checkpoint the first time a test asks for it."""
    built: dict[str, Path] = {}
    makers: dict[str, Callable[[Path], Path]] = {
        **{
            family: lambda _path, family=family: tiny_checkpoint(family)
            for family in ("mt5", "marian", "mbart", "nllb")
        },
        "mt5-untied": _untied_mt5,
        "mt5-untied-bin": lambda path: _as_bin(get("mt5-untied"), path),
        "marian-bin": lambda path: _as_bin(get("marian"), path),
        "mt5-untied-sharded": lambda path: _sharded(get("mt5-untied"), path),
    }

    def get(name: str) -> Path:
        if name not in built:
            built[name] = makers[name](tmp_path_factory.mktemp("streaming") / name)
        return built[name]

    return get


def _state(model: nn.Module) -> dict[str, Any]:
    """Everything a model computes with: parameters, buffers (with the names that share them) and int8 weights."""
    state: dict[str, Any] = {}
    for name, module in model.named_modules():
        if hasattr(module, "_packed_params"):
            weight, bias = module._weight_bias()
            state[f"{name}.int8"] = (weight.int_repr(), weight.q_scale(), weight.q_zero_point(), bias)
    state.update(model.named_parameters(remove_duplicate=False))
    state.update(model.named_buffers(remove_duplicate=False))
    return state


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, torch.Tensor):
        return isinstance(b, torch.Tensor) and a.dtype == b.dtype and a.shape == b.shape and torch.equal(a, b)
    return bool(a == b)


def _sharing(model: nn.Module) -> list[list[str]]:
    """Groups of names that are one module (tied tables share one int8 table)."""
    groups: dict[int, list[str]] = {}
    for name, module in model.named_modules(remove_duplicate=False):
        groups.setdefault(id(module), []).append(name)
    return sorted(names for names in groups.values() if len(names) > 1)


def _vocabulary_ids(vocabulary: OutputVocabulary | None) -> list[int] | None:
    return None if vocabulary is None else vocabulary.full_ids.tolist()


# Two loads and four generate calls per case, a few seconds with the checkpoint build: the slow tier.
CASES = [
    ("mt5-untied", "arabic"),
    ("mt5-untied", "full"),
    ("mt5", "arabic"),
    ("marian", "full"),
    ("mbart", "arabic"),
    ("mbart", "full"),
    ("nllb", "full"),
    ("mt5-untied-bin", "arabic"),
    ("marian-bin", "full"),
    ("mt5-untied-sharded", "arabic"),
]


@pytest.mark.slow
@pytest.mark.parametrize(("case", "output_vocab"), CASES)
def test_int8_load_equals_fp32_load_then_quantize(
    checkpoint: Callable[[str], Path], case: str, output_vocab: str
) -> None:
    path = checkpoint(case)
    reference = load_then_quantize(path, output_vocab)
    streamed = load_seq2seq(str(path), device=CPU, quantize="int8", output_vocab=output_vocab)

    expected_modules = [(name, type(module), module.training) for name, module in reference.model.named_modules()]
    assert [
        (name, type(module), module.training) for name, module in streamed.model.named_modules()
    ] == expected_modules
    assert _sharing(streamed.model) == _sharing(reference.model)
    expected, got = _state(reference.model), _state(streamed.model)
    assert sorted(got) == sorted(expected)
    assert [name for name in expected if not _same(expected[name], got[name])] == []
    assert not any(tensor.is_meta for tensor in got.values() if isinstance(tensor, torch.Tensor))
    assert streamed.model.config.to_dict() == reference.model.config.to_dict()
    assert streamed.model.generation_config.to_dict() == reference.model.generation_config.to_dict()
    assert _vocabulary_ids(streamed.vocabulary) == _vocabulary_ids(reference.vocabulary)

    for beams in (1, 3):
        want = Seq2SeqEngine(reference, role="summarizer").generate_ids(TEXTS, num_beams=beams)
        assert torch.equal(Seq2SeqEngine(streamed, role="summarizer").generate_ids(TEXTS, num_beams=beams), want)


def test_int8_load_of_a_checkpoint_without_weights_fails_with_one_line(tmp_path: Path, tiny_models: Path) -> None:
    broken = Path(shutil.copytree(tiny_models / "translator", tmp_path / "translator"))
    (broken / "model.safetensors").unlink()
    with pytest.raises(Exception, match=r"^cannot load model .*: FileNotFoundError: no model.safetensors") as raised:
        load_seq2seq(str(broken), device=CPU, quantize="int8")
    assert "\n" not in str(raised.value)


def _reset_peak_rss() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")  # 5: reset the peak resident set size (Linux 4.0+)
    except OSError:
        return False
    return True


def _rss_kib(field: str) -> int:
    line = next(line for line in Path("/proc/self/status").read_text().splitlines() if line.startswith(field))
    return int(line.split()[1])


@pytest.mark.slow  # builds and loads a 200 MB checkpoint: a few seconds
@pytest.mark.skipif(not Path("/proc/self/clear_refs").exists(), reason="needs Linux /proc to measure peak memory")
def test_int8_load_peak_memory_stays_far_below_the_fp32_checkpoint(tmp_path: Path) -> None:
    # Two large tables (100,000 x 256, head untied): 205 MB of fp32, 26 MB as int8 rows.
    sentences = [line for line in CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()]
    shape = {**TINY_MT5, "d_model": 256, "d_kv": 64, "vocab_size": 100_000, "tie_word_embeddings": False}
    path = build_sized("mt5", tmp_path / "mid", sentences=sentences, spm_vocab=400, architecture=shape)
    fp32_kib = (path / "model.safetensors").stat().st_size // 1024
    AutoTokenizer.from_pretrained(path)  # tokenizer and model code imported before measuring
    if not _reset_peak_rss():
        pytest.skip("cannot reset the peak RSS of this process (/proc/self/clear_refs)")
    before = _rss_kib("VmRSS:")
    loaded = load_seq2seq(str(path), device=CPU, quantize="int8", output_vocab="arabic")
    growth = _rss_kib("VmHWM:") - before
    # Loading fp32 first peaks above the whole checkpoint; straight into int8 it is the int8 table plus a few
    # blocks of rows (and what the allocator keeps of them).
    assert growth < 0.5 * fp32_kib, f"peak grew by {growth} KiB loading a {fp32_kib} KiB checkpoint"
    assert Seq2SeqEngine(loaded, role="summarizer").generate(TEXTS[:1])
    print(f"peak grew by {growth // 1024} MiB loading a {fp32_kib // 1024} MiB checkpoint")


@pytest.mark.parametrize("suffix", [".safetensors", ".bin"])
def test_checkpoint_reads_rows_blocks_and_scalars_and_lets_the_file_go(
    tmp_path: Path, suffix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from safetensors.torch import save_file

    from service.engines.torch_backend import checkpoint as stored

    torch.manual_seed(0)
    tensors = {"table": torch.randn(1_000, 16), "bias": torch.randn(7).half(), "scale": torch.tensor(3.5)}
    file = tmp_path / f"weights{suffix}"
    if suffix == ".safetensors":
        save_file(tensors, file)
    else:
        torch.save(tensors, file)
    monkeypatch.setattr(stored, "BLOCK_BYTES", 64 * 16 * 4)  # 64 rows a block: 16 blocks, the last one short
    checkpoint = stored.Checkpoint([file])
    table = checkpoint.tensor("table", torch.float32)
    assert [start for start, _ in table.blocks()] == list(range(0, 1_000, 64))
    assert torch.equal(torch.cat([block for _, block in table.blocks()]), tensors["table"])
    ids = torch.tensor([[999, 0], [64, 63]])
    assert torch.equal(table[ids], tensors["table"][ids])
    assert torch.equal(checkpoint.tensor("bias", torch.float32).read(), tensors["bias"].float())
    assert torch.equal(checkpoint.tensor("scale", torch.float32).read(), tensors["scale"])
    checkpoint.close()
    if suffix == ".safetensors" and Path("/proc/self/maps").exists():
        assert str(file) not in Path("/proc/self/maps").read_text()
