"""The CTranslate2 backend on the tiny checkpoints: converted by CTranslate2's own converter, loaded through the
factory as the service does, compared with the torch path on the same weights."""

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

ctranslate2 = pytest.importorskip("ctranslate2", reason="the ctranslate2 extra is not installed (khulasa[ctranslate2])")

from service.api.app import create_app  # noqa: E402
from service.config import Settings  # noqa: E402
from service.engines import ct2  # noqa: E402
from service.engines.base import Engines  # noqa: E402
from service.engines.cancel import cancellable  # noqa: E402
from service.engines.ct2 import CT2Engine, CT2Summarizer, CT2Translator  # noqa: E402
from service.engines.factory import load_engines, resolve_backend  # noqa: E402
from service.engines.torch_backend.loading import load_seq2seq, pick_device  # noqa: E402
from service.engines.torch_backend.seq2seq import Seq2SeqEngine  # noqa: E402
from service.errors import Cancelled, ConfigError, ModelLoadError  # noqa: E402
from tests.conftest import tiny_checkpoint, wait_ready  # noqa: E402

SENTENCES = [
    "وصل الوفد إلى القاهرة صباح اليوم.",
    "بدأ الاجتماع بعد الظهر في مقر الوزارة وسط العاصمة.",
    "قال.",
    "وأكد المتحدث باسم الحكومة أن المحادثات ستستمر غدا في العاصمة الليبية طرابلس.",
]


@pytest.fixture(scope="module")
def ct2_settings(tiny_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The session's tiny models on the CTranslate2 backend, fp32, converted into a cache of this module's own."""
    cache = tmp_path_factory.mktemp("ct2")
    return tiny_settings.model_copy(update={"backend": "ctranslate2", "ct2_cache": cache})


@pytest.fixture(scope="module")
def ct2_engines(ct2_settings: Settings) -> Engines:
    return load_engines(ct2_settings)


def torch_engine(settings: Settings, role: str, vocab: str = "full", **generate: Any) -> Seq2SeqEngine:
    loaded = load_seq2seq(getattr(settings, role), device=pick_device("cpu"), output_vocab=vocab)
    return Seq2SeqEngine(loaded, role=role, generate_overrides=generate)


def ct2_engine(settings: Settings, role: str, vocab: str = "full", **generate: Any) -> CT2Engine:
    updated = settings.model_copy(update={f"{role}_generate": generate})
    return CT2Engine(updated, role=role, restrict_arabic=vocab == "arabic")


def torch_ids(engine: Seq2SeqEngine, texts: list[str]) -> list[list[int]]:
    pad = engine.loaded.tokenizer.pad_token_id
    return [[token for token in row[1:] if token != pad] for row in engine.generate_ids(texts).tolist()]


@pytest.mark.slow  # loads each model on both backends: seconds
@pytest.mark.parametrize("role", ["summarizer", "translator"], ids=["mt5", "marian"])
def test_greedy_fp32_ids_equal_the_torch_models(ct2_settings: Settings, role: str) -> None:
    expected = torch_ids(torch_engine(ct2_settings, role), SENTENCES)
    got = ct2_engine(ct2_settings, role).generate_ids(SENTENCES)
    assert got == expected
    assert all(len(row) > 4 for row in got)


@pytest.mark.slow  # loads the summarizer on both backends: seconds
def test_arabic_restricted_summaries_equal_the_torch_restricted_head(ct2_settings: Settings) -> None:
    reference = torch_engine(ct2_settings, "summarizer", "arabic")
    engine = ct2_engine(ct2_settings, "summarizer", "arabic")
    assert engine.generate_ids(SENTENCES) == torch_ids(reference, SENTENCES)
    described = engine.describe()["output_vocabulary"]
    assert described == reference.describe()["output_vocabulary"] | {"of": described["of"]}
    allowed = set(reference.loaded.vocabulary.full_ids.tolist())  # type: ignore[union-attr]
    assert {token for row in engine.generate_ids(SENTENCES) for token in row} <= allowed


@pytest.mark.slow  # converts the tiny models for CTranslate2 in a child process (seconds, once per module)
def test_the_vocabulary_map_holds_the_arabic_set_without_sentinels(ct2_engines: Engines) -> None:
    summarizer = ct2_engines.summarizer
    assert isinstance(summarizer, CT2Summarizer)
    converted = Path(summarizer.describe()["converted"])
    line = (converted / "vmap.txt").read_text(encoding="utf-8")
    assert line.startswith("\t") and line.count("\n") == 1
    allowed = set(line.split())
    vocabulary = set(json.loads((converted / "shared_vocabulary.json").read_text(encoding="utf-8")))
    assert allowed <= vocabulary
    assert {"▁ال", "،", "</s>"} <= allowed
    assert not {token for token in allowed if token.startswith("<extra_id_")}
    assert not {"▁the", "e"} & allowed


@pytest.mark.slow  # converts the tiny models for CTranslate2 in a child process (seconds, once per module)
@pytest.mark.parametrize("beams", [1, 4])
def test_batched_translation_equals_one_by_one_under_per_row_caps(ct2_engines: Engines, beams: int) -> None:
    translator = ct2_engines.translator
    assert isinstance(translator, CT2Translator)
    engine = ct2_engine_of(translator)
    engine.options = {**engine.options, "beam_size": beams}
    # Random weights seldom end a sentence: the per-row caps bind, differently for each length of input.
    batched = translator.translate_batch(SENTENCES)
    alone = [translator.translate_batch([sentence])[0] for sentence in SENTENCES]
    assert batched == alone
    assert len({len(text.split()) for text in batched}) > 1


def ct2_engine_of(role: CT2Summarizer | CT2Translator) -> CT2Engine:
    return role.engine


@pytest.mark.slow  # converts the tiny models for CTranslate2 in a child process (seconds, once per module)
def test_exact_lengths_give_each_row_its_own_length(ct2_settings: Settings) -> None:
    engine = ct2_engine(ct2_settings, "translator")
    translator = CT2Translator(engine, output_lengths=lambda counts: [3 + n for n in counts], exact_lengths=True)
    counts = engine.count_tokens(SENTENCES)
    found = translator._capped(SENTENCES)
    assert [len(texts) for texts in found] == [1] * len(SENTENCES)
    ids = [
        engine.generate_ids([sentence], max_decoding_length=3 + n, min_decoding_length=3 + n)[0]
        for sentence, n in zip(SENTENCES, counts, strict=True)
    ]
    assert [len(row) for row in ids] == [3 + n + 1 for n in counts]  # exactly its length, then end-of-sequence
    assert translator.translate_batch(SENTENCES) == [
        engine.tokenizer.decode([engine.vocabulary[i] for i in row]) for row in ids
    ]


@pytest.mark.slow  # converts the tiny models for CTranslate2 in a child process (seconds, once per module)
def test_summaries_and_translations_through_the_protocol(ct2_engines: Engines) -> None:
    summaries = ct2_engines.summarizer.summarize_batch(["", *SENTENCES[:2]])
    assert summaries[0] == "" and all(summaries[1:])
    assert ct2_engines.translator.translate_batch(["", "  "]) == ["", ""]
    before = ct2_engines.translator.tokens_generated
    assert all(ct2_engines.translator.translate_batch(SENTENCES))
    assert ct2_engines.translator.tokens_generated > before
    assert ct2_engines.summarizer.count_tokens(SENTENCES[2:3]) == [len(SENTENCES[2]) // 2] or all(
        count > 0 for count in ct2_engines.summarizer.count_tokens(SENTENCES)
    )


@pytest.mark.slow  # converts the tiny models for CTranslate2 in a child process (seconds, once per module)
def test_long_input_is_chunked_not_truncated(ct2_settings: Settings) -> None:
    small = ct2_settings.model_copy(update={"summarizer_max_input_tokens": 24})
    summarizer = CT2Summarizer(CT2Engine(small, role="summarizer"))
    text = " ".join(SENTENCES * 4)
    pieces = ct2_engine_of(summarizer).fit(text)
    assert len(pieces) > 1 and " ".join(pieces).split() == text.split()
    summary = summarizer.summarize_batch([text])[0]
    assert len(summary.split()) > len(summarizer.summarize_batch([pieces[0]])[0].split())


@pytest.mark.slow  # converts the tiny models for CTranslate2 in a child process (seconds, once per module)
def test_describe_says_what_runs(ct2_engines: Engines) -> None:
    described = ct2_engines.summarizer.describe()
    assert described["backend"] == "ctranslate2"
    assert described["device"] == "cpu" and described["dtype"] == "float32" and described["quantization"] == "none"
    assert described["output_vocabulary"]["restricted"] == "arabic"
    assert ct2_engines.translator.describe()["output_vocabulary"]["restricted"] is None
    assert ct2_engines.summarizer.device == "cpu"


@pytest.mark.slow  # converts in a child process: seconds
def test_conversion_is_cached_by_model_revision_and_quantization(ct2_settings: Settings) -> None:
    first = ct2_engine(ct2_settings, "translator")
    converted = first.converted
    stamp = (converted / "model.bin").stat().st_mtime_ns
    again = ct2_engine(ct2_settings, "translator")
    assert again.converted == converted and (converted / "model.bin").stat().st_mtime_ns == stamp
    int8 = CT2Engine(ct2_settings.model_copy(update={"quantize": "auto"}), role="translator")
    assert int8.converted != converted and int8.converted.name.endswith("--int8")
    assert int8.describe()["quantization"] == "int8" and all(CT2Translator(int8).translate_batch(SENTENCES))
    leftovers = [path.name for path in converted.parent.iterdir() if path.name.startswith(".")]
    assert leftovers == []


@pytest.mark.slow  # converts in a child process: seconds
def test_a_changed_local_checkpoint_is_converted_again(tmp_path: Path) -> None:
    source = Path(shutil.copytree(tiny_checkpoint("marian"), tmp_path / "marian"))
    settings = Settings(
        translator=str(source), device="cpu", quantize="none", backend="ctranslate2", ct2_cache=tmp_path / "cache"
    )
    first = CT2Engine(settings, role="translator").converted
    (source / "generation_config.json").write_text((source / "generation_config.json").read_text() + "\n")
    second = CT2Engine(settings, role="translator").converted
    assert first != second and (first / "model.bin").is_file() and (second / "model.bin").is_file()


@pytest.mark.slow
@pytest.mark.parametrize("family", ["mbart", "nllb"])
def test_the_other_catalog_families_convert_and_match_torch(family: str, tmp_path: Path) -> None:
    source = tiny_checkpoint(family)
    settings = Settings(
        translator=str(source), device="cpu", quantize="none", backend="ctranslate2", ct2_cache=tmp_path / "cache"
    )
    engine = CT2Engine(settings, role="translator")
    reference = torch_engine(settings, "translator")
    expected = reference.generate(SENTENCES)
    found = engine.generate_ids(SENTENCES)
    assert [engine.tokenizer.decode([engine.vocabulary[i] for i in ids]) for ids in found] == expected
    assert all(CT2Translator(engine).translate_batch(SENTENCES))


@pytest.mark.slow  # converts the tiny models for CTranslate2 in a child process (seconds, once per module)
def test_unsupported_generation_settings_stop_startup(ct2_settings: Settings) -> None:
    with pytest.raises(ConfigError, match="force_words_ids.*ctranslate2 backend"):
        ct2_engine(ct2_settings, "summarizer", force_words_ids=[[5]])


@pytest.mark.slow  # converts the tiny models for CTranslate2 in a child process (seconds, once per module)
def test_catalog_settings_map_to_ctranslate2_arguments(ct2_settings: Settings) -> None:
    engine = ct2_engine(
        ct2_settings, "summarizer", num_beams=3, max_new_tokens=30, no_repeat_ngram_size=2, length_penalty=0.6
    )
    assert engine.options["beam_size"] == 3 and engine.options["max_decoding_length"] == 30
    assert engine.options["no_repeat_ngram_size"] == 2 and engine.options["length_penalty"] == 0.6
    assert engine.options["min_decoding_length"] == 4  # the checkpoint's own min_new_tokens
    # The tiny checkpoints suppress pad, unk and the bare word marker, as their generation_config says.
    assert ["<unk>"] in engine.options["suppress_sequences"]


@pytest.mark.slow  # converts in a child process: seconds
def test_a_broken_checkpoint_fails_with_one_line_naming_it(ct2_settings: Settings, tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "config.json").write_text('{"model_type": "marian"}')
    settings = ct2_settings.model_copy(update={"translator": str(broken)})
    with pytest.raises(ModelLoadError, match=f"cannot (load|convert) model {broken}") as raised:
        CT2Engine(settings, role="translator")
    assert "\n" not in str(raised.value)
    assert not list((ct2_settings.ct2_cache or tmp_path).glob("broken*"))


@pytest.mark.slow  # converts the tiny models for CTranslate2 in a child process (seconds, once per module)
def test_greedy_generation_stops_once_its_callers_gave_up(ct2_settings: Settings) -> None:
    engine = ct2_engine(ct2_settings, "translator", num_beams=1)
    with cancellable(lambda: True), pytest.raises(Cancelled):
        engine.translate(SENTENCES)
    assert engine.translate(SENTENCES[:1])[0][0]


@pytest.mark.slow  # converts the tiny models for CTranslate2 in a child process (seconds, once per module)
def test_beam_generation_is_cancelled_when_its_batch_ends(ct2_settings: Settings) -> None:
    engine = ct2_engine(ct2_settings, "translator", num_beams=4)
    calls = []

    def check() -> bool:
        calls.append(1)
        return len(calls) > 1  # gives up while the batch runs

    with cancellable(check), pytest.raises(Cancelled):
        engine.translate(SENTENCES)


class FailsOnce:
    """The converted model, with one failure injected at the backend boundary (CTranslate2 is C++: no hooks)."""

    def __init__(self, inner: Any, error: BaseException) -> None:
        self.inner, self.error, self.raised = inner, error, 0

    def translate_batch(self, *args: Any, **kwargs: Any) -> Any:
        if not self.raised:
            self.raised += 1
            raise self.error
        return self.inner.translate_batch(*args, **kwargs)


@pytest.fixture
def ct2_client(ct2_settings: Settings, ct2_engines: Engines) -> Iterator[TestClient]:
    app = create_app(ct2_settings, engines=ct2_engines)
    with TestClient(app, raise_server_exceptions=False) as client:
        wait_ready(client)
        yield client


@pytest.mark.slow  # converts the tiny models for CTranslate2 in a child process (seconds, once per module)
@pytest.mark.parametrize(
    "error",
    [RuntimeError("CUDA failed with error out of memory"), RuntimeError("std::bad_alloc"), MemoryError()],
    ids=["cuda", "bad_alloc", "python"],
)
def test_out_of_memory_gets_503_and_the_next_request_works(
    ct2_client: TestClient, ct2_engines: Engines, error: BaseException
) -> None:
    engine = ct2_engine_of(ct2_engines.summarizer)  # type: ignore[arg-type]
    real = engine.translator
    engine.translator = FailsOnce(real, error)
    try:
        response = ct2_client.post("/summarize", json={"text": SENTENCES[0] + "\n\n" + SENTENCES[1]})
        assert response.status_code == 503 and response.json()["type"] == "out_of_memory"
        assert response.headers["retry-after"] == "1"
        assert ct2_client.post("/summarize", json={"text": SENTENCES[0]}).status_code == 200
    finally:
        engine.translator = real


@pytest.mark.slow  # converts the tiny models for CTranslate2 in a child process (seconds, once per module)
def test_the_service_answers_on_the_ctranslate2_backend(ct2_client: TestClient) -> None:
    response = ct2_client.post("/summarize", json={"text": "\n\n".join(SENTENCES)})
    assert response.status_code == 200
    sections = response.json()["sections"]
    assert sections and all(section["summary"]["ar"] and section["summary"]["en"] for section in sections)
    translated = ct2_client.post("/translate", json={"q": SENTENCES[:2], "source": "ar", "target": "en"})
    assert translated.status_code == 200 and len(translated.json()["translatedText"]) == 2
    info = ct2_client.get("/info").json()
    assert json.dumps(info).count('"backend": "ctranslate2"') == 2
    assert ct2_client.post("/translate", json={"q": "x" * 200_001}).status_code in (413, 422)


def test_auto_picks_ctranslate2_when_installed_and_torch_when_told() -> None:
    assert resolve_backend(Settings(summarizer="unused", translator="unused")) == "ctranslate2"
    assert resolve_backend(Settings(summarizer="unused", translator="unused", backend="torch")) == "torch"


@pytest.mark.slow
def test_without_the_package_auto_falls_back_to_torch_and_ctranslate2_is_refused(tmp_path: Path) -> None:
    # A fresh interpreter in which `import ctranslate2` fails, as on an install without the extra.
    program = (
        "import sys; sys.modules['ctranslate2'] = None\n"
        "from service.config import Settings\n"
        "from service.engines.factory import resolve_backend\n"
        "from service.errors import ConfigError\n"
        "print(resolve_backend(Settings(summarizer='unused', translator='unused')))\n"
        "try:\n"
        "    resolve_backend(Settings(summarizer='unused', translator='unused', backend='ctranslate2'))\n"
        "except ConfigError as error:\n"
        "    print(error)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    out = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, env=env, check=True).stdout
    assert out.splitlines() == [
        "torch",
        "KHULASA_BACKEND=ctranslate2 but the ctranslate2 package is not installed; pip install 'khulasa[serve]'",
    ]


def test_compute_types_by_device_and_family() -> None:
    assert ct2.compute_type("cpu", "mt5", "auto") == "int8"
    assert ct2.compute_type("cpu", "marian", "none") == "float32"
    assert ct2.compute_type("cuda", "marian", "auto") == "float16"
    assert ct2.compute_type("cuda", "mt5", "auto") == "bfloat16"  # T5 weights overflow in float16
    assert ct2.compute_type("cuda", "marian", "int8") == "int8_float16"
    assert ct2.thread_layout(2) == (2, 1) and ct2.thread_layout(1) == (1, 1) and ct2.thread_layout(16) == (2, 8)


def test_beam_rows_held_at_once_are_bounded_by_the_longest_input() -> None:
    # Sentences split evenly between the two workers; long sections searched with 4 beams decode one at a time.
    assert ct2.sub_batch(rows=40, workers=2, beams=4, longest=30) == 17
    assert ct2.sub_batch(rows=10, workers=2, beams=4, longest=30) == 5
    assert ct2.sub_batch(rows=3, workers=2, beams=4, longest=512) == 1
    assert ct2.sub_batch(rows=3, workers=2, beams=1, longest=512) == 2
    assert ct2.sub_batch(rows=1, workers=2, beams=8, longest=4096) == 1  # never fewer than one input


def test_out_of_memory_is_told_from_other_errors() -> None:
    assert ct2.is_out_of_memory(MemoryError())
    assert ct2.is_out_of_memory(RuntimeError("CUDA failed with error out of memory"))
    assert not ct2.is_out_of_memory(RuntimeError("shape mismatch"))
    assert not ct2.is_out_of_memory(ValueError("out of memory"))


@pytest.mark.slow  # converts in a child process: seconds
def test_checkpoint_generation_settings_without_effect_are_left_out(tmp_path: Path) -> None:
    source = Path(shutil.copytree(tiny_checkpoint("marian"), tmp_path / "marian"))
    path = source / "generation_config.json"
    path.write_text(json.dumps({**json.loads(path.read_text()), "output_attentions": True, "num_beams": 2}))
    settings = Settings(
        translator=str(source), device="cpu", quantize="none", backend="ctranslate2", ct2_cache=tmp_path / "cache"
    )
    engine = CT2Engine(settings, role="translator")
    assert engine.options["beam_size"] == 2  # what maps is taken from the checkpoint
    with pytest.raises(ConfigError, match="output_attentions"):  # what an operator asks for must apply
        CT2Engine(settings.model_copy(update={"translator_generate": {"output_attentions": True}}), role="translator")


@pytest.mark.slow  # converts the tiny models for CTranslate2 in a child process (seconds, once per module)
def test_alternatives_are_distinct_runners_up_and_batched_equals_alone(ct2_engines: Engines) -> None:
    translator = ct2_engines.translator
    sentences = [SENTENCES[0], SENTENCES[3], "  "]
    alternatives = translator.translate_alternatives(sentences, 3)
    assert len(alternatives) == 3 and alternatives[2] == []
    best = translator.translate_batch(sentences)
    for found in alternatives[:2]:
        assert found and len(found) <= 3 and len(set(found)) == len(found)
        assert all(text.strip() for text in found)
    # The tiny translator searches greedily: asking for alternatives widens the beam, whose best may then differ
    # from the greedy translation (the protocol allows that; the API leaves such a repeat out).
    assert all(best[:2])
    assert alternatives == [translator.translate_alternatives([sentence], 3)[0] for sentence in sentences]
    assert translator.translate_alternatives(sentences, 0) == [[], [], []]


@pytest.mark.slow  # converts the tiny models for CTranslate2 in a child process (seconds, once per module)
def test_libretranslate_alternatives_on_the_ctranslate2_backend(ct2_client: TestClient) -> None:
    response = ct2_client.post(
        "/translate", data={"q": SENTENCES[0], "source": "ar", "target": "en", "alternatives": "2"}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["translatedText"] and isinstance(body["alternatives"], list) and len(body["alternatives"]) <= 2
    assert body["translatedText"] not in body["alternatives"]
