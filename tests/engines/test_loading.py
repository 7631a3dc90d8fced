"""Device, dtype and loading rules; the catalog's contents."""

import json
import shutil
from pathlib import Path

import pytest
import torch
from pydantic import ValidationError

from service.config import Settings, looks_like_local_path
from service.engines.catalog import find_spec, load_catalog
from service.engines.torch_backend.loading import load_seq2seq, pick_device, pick_dtype, pick_quantization
from service.engines.torch_backend.seq2seq import Seq2SeqEngine
from service.errors import ConfigError, ModelLoadError


def test_cpu_runs_float32() -> None:
    assert pick_dtype(torch.device("cpu"), "mt5") == torch.float32
    assert pick_dtype(torch.device("cpu"), "marian") == torch.float32


@pytest.mark.parametrize(("bf16", "model_type", "expected"), [
    (True, "mt5", torch.bfloat16),
    (True, "marian", torch.bfloat16),
    (False, "mt5", torch.float32),
    (False, "t5", torch.float32),
    (False, "marian", torch.float16),
])  # fmt: skip
def test_cuda_prefers_bf16_and_never_fp16_for_t5(
    monkeypatch: pytest.MonkeyPatch, bf16: bool, model_type: str, expected: torch.dtype
) -> None:
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *args, **kwargs: bf16)
    assert pick_dtype(torch.device("cuda"), model_type) == expected


def test_float16_is_refused_for_t5_family() -> None:
    with pytest.raises(ConfigError, match="float16"):
        pick_dtype(torch.device("cuda"), "mt5", "float16")


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_asking_for_cuda_without_gpu_is_a_config_error() -> None:
    assert pick_device("auto") == torch.device("cpu")
    with pytest.raises(ConfigError, match="cuda"):
        pick_device("cuda")


def test_checkpoint_without_weights_fails_with_one_line_naming_it(tmp_path: Path, tiny_models: Path) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "config.json").write_text((tiny_models / "summarizer" / "config.json").read_text())
    with pytest.raises(ModelLoadError) as raised:
        load_seq2seq(str(broken), device=torch.device("cpu"))
    message = str(raised.value)
    assert str(broken) in message and "\n" not in message


@pytest.mark.parametrize(
    ("role", "file", "content"),
    [
        ("summarizer", "model.safetensors", b""),
        ("translator", "config.json", b'{"model_type": "marian", "d_model": '),
        ("translator", "source.spm", bytes(range(256)) * 2),
        ("summarizer", "tokenizer.json", b"{not json"),
    ],
    ids=["empty-weights", "broken-config", "garbage-sentencepiece", "broken-tokenizer-json"],
)
def test_corrupt_checkpoint_fails_with_one_line_naming_it(
    tmp_path: Path, tiny_models: Path, role: str, file: str, content: bytes
) -> None:
    # `khulasa serve` prints this message as its one closing line (tests/test_cli.py runs one case end to end).
    broken = tmp_path / role
    shutil.copytree(tiny_models / role, broken)
    (broken / file).write_bytes(content)
    with pytest.raises(ModelLoadError) as raised:
        load_seq2seq(str(broken), device=torch.device("cpu"))
    message = str(raised.value)
    assert message.startswith(f"cannot load model {broken}: ") and "\n" not in message


@pytest.mark.parametrize(
    ("source", "local"),
    [("Helsinki-NLP/opus-mt-ar-en", False), ("t5-small", False), ("/models/x", True), ("./tiny/x", True)],
)
def test_hub_ids_and_paths_are_told_apart(source: str, local: bool) -> None:
    assert looks_like_local_path(source) is local


def test_missing_model_directory_is_refused_by_settings() -> None:
    with pytest.raises(ValidationError, match="/nonexistent"):
        Settings(summarizer="/nonexistent")


def test_directory_without_config_is_refused_by_settings(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="config.json"):
        Settings(translator=str(tmp_path))


def test_environment_fills_settings(monkeypatch: pytest.MonkeyPatch, tiny_models: Path) -> None:
    monkeypatch.setenv("KHULASA_TRANSLATOR", str(tiny_models / "translator"))
    monkeypatch.setenv("KHULASA_MAX_BODY_BYTES", "5000")
    monkeypatch.setenv("KHULASA_SUMMARIZER_GENERATE", json.dumps({"num_beams": 2}))
    settings = Settings()
    assert settings.translator == str(tiny_models / "translator")
    assert settings.max_body_bytes == 5000
    assert settings.summarizer_generate == {"num_beams": 2}


def test_default_summarizer_carries_its_published_evaluation_settings() -> None:
    spec = find_spec(Settings.model_fields["summarizer"].default)
    assert spec is not None and spec.role == "summarizer"
    assert spec.max_input_tokens == 512
    assert spec.generation == {"num_beams": 4, "max_new_tokens": 84, "no_repeat_ngram_size": 2, "length_penalty": 0.6}


def test_every_catalog_entry_has_role_family_and_licence() -> None:
    catalog = load_catalog()
    assert Settings.model_fields["translator"].default in catalog
    for spec in catalog.values():
        assert spec.role in {"summarizer", "translator"}
        assert spec.family and spec.licence


def test_int8_is_the_cpu_default_and_refused_on_cuda() -> None:
    assert pick_quantization(torch.device("cpu")) == "int8"
    assert pick_quantization(torch.device("cuda")) == "none"
    assert pick_quantization(torch.device("cpu"), "none") == "none"
    with pytest.raises(ConfigError, match="CPU only"):
        pick_quantization(torch.device("cuda"), "int8")


def test_int8_model_quantizes_linear_layers_and_still_translates(tiny_models: Path) -> None:
    loaded = load_seq2seq(str(tiny_models / "translator"), device=torch.device("cpu"), quantize="int8")
    assert loaded.quantization == "int8"
    kinds = {type(module).__module__ for module in loaded.model.modules()}
    assert any("quantized" in kind for kind in kinds)
    assert not any(type(module) is torch.nn.Linear for module in loaded.model.modules())
    engine = Seq2SeqEngine(loaded, role="translator")
    assert all(text.strip() for text in engine.generate(["وصل الوفد إلى القاهرة.", "بدأ الاجتماع."]))


def test_threads_follow_the_cpus_this_process_may_use() -> None:
    import os

    import torch

    from service.engines.threads import available_cpus, configure_threads

    cpus = available_cpus()
    assert 1 <= cpus <= len(os.sched_getaffinity(0))
    before = torch.get_num_threads()
    try:
        assert configure_threads(1) == 1 and torch.get_num_threads() == 1
        assert configure_threads(None) == cpus and torch.get_num_threads() == cpus
    finally:
        torch.set_num_threads(before)


def test_int8_embedding_rows_stay_within_half_a_step() -> None:
    from service.engines.torch_backend.memory import Int8Embedding

    torch.manual_seed(0)
    weight = torch.randn(20_000, 16) * torch.linspace(0.01, 5, 20_000).unsqueeze(1)
    table = Int8Embedding(weight)
    ids = torch.tensor([[0, 5, 19_999], [7, 7, 12_345]])
    looked_up = table(ids)
    assert looked_up.shape == (2, 3, 16) and looked_up.dtype == torch.float32
    step = weight.abs().amax(dim=1) / 127
    assert torch.all((looked_up - weight[ids]).abs() <= step[ids].unsqueeze(-1) / 2 + 1e-6)
    assert table.codes.dtype == torch.int8


@pytest.mark.slow
def test_int8_load_quantizes_word_embeddings_and_lets_the_checkpoint_go(tiny_models: Path, tmp_path: Path) -> None:
    import shutil

    from service.engines.torch_backend.memory import Int8Embedding

    for role in ("summarizer", "translator"):
        # A copy of its own: fp32 engines elsewhere in the session map the shared checkpoint files.
        checkpoint = Path(shutil.copytree(tiny_models / role, tmp_path / role))
        loaded = load_seq2seq(str(checkpoint), device=torch.device("cpu"), quantize="int8")
        tables = {name: module for name, module in loaded.model.named_modules() if isinstance(module, Int8Embedding)}
        assert tables and all(name.rsplit(".", 1)[-1] in ("shared", "embed_tokens") for name in tables)
        # Tied tables (encoder, decoder, shared) keep sharing one int8 copy.
        assert len({id(module) for module in tables.values()}) == 1
        assert not any(
            type(module) is torch.nn.Embedding and module.weight.shape[0] == len(loaded.tokenizer)
            for module in loaded.model.modules()
        )
        # No tensor of the model may pin the checkpoint's memory map.
        mapped = Path("/proc/self/maps").read_text() if Path("/proc/self/maps").exists() else ""
        assert str(checkpoint / "model.safetensors") not in mapped
        engine = Seq2SeqEngine(loaded, role=role)
        assert all(text.strip() for text in engine.generate(["وصل الوفد إلى القاهرة.", "بدأ الاجتماع."]))
