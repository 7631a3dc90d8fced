"""A failure inside generation fails that one request with a JSON error naming nothing internal; the next works.

The failure is real: a forward pre-hook on the loaded tiny model raises inside `generate`, once. These tests load
the torch models themselves, so they hold what they make fail; the app sees only the engine protocol.
"""

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
import torch
from fastapi.testclient import TestClient

from service.api.app import create_app
from service.config import Settings
from service.engines.base import Engines
from service.engines.torch_backend.loading import LoadedModel, load_seq2seq, pick_device
from service.engines.torch_backend.seq2seq import Seq2SeqEngine, is_out_of_memory
from service.engines.torch_backend.summarizer import Seq2SeqSummarizer
from service.engines.torch_backend.translator import Seq2SeqTranslator
from tests.conftest import wait_ready

ARTICLE = "وصل الوفد إلى القاهرة صباح اليوم.\n\nوبدأ الاجتماع بعد الظهر."
# What a client must never see: exception classes, devices, sizes, paths, the raised message itself.
ROLES = ("summarizer", "translator")
INTERNALS = ("Error", "CUDA", "GiB", "alloc", "/", "\\", "Traceback", "boom", "torch", "hook")


@pytest.fixture(scope="module")
def models(tiny_settings: Settings) -> dict[str, LoadedModel]:
    """The tiny torch models, by role."""
    return {role: load_seq2seq(getattr(tiny_settings, role), device=pick_device("cpu")) for role in ROLES}


@pytest.fixture
def faulty_client(tiny_settings: Settings, models: dict[str, LoadedModel]) -> Iterator[TestClient]:
    """Like `client` over `models`, but a 500 comes back as a response instead of being raised in the test."""
    engines = Engines(
        summarizer=Seq2SeqSummarizer(Seq2SeqEngine(models["summarizer"], role="summarizer")),
        translator=Seq2SeqTranslator(Seq2SeqEngine(models["translator"], role="translator")),
    )
    with TestClient(create_app(tiny_settings, engines=engines), raise_server_exceptions=False) as test_client:
        wait_ready(test_client)
        yield test_client


@contextmanager
def fails_once(model: torch.nn.Module, make_error: Callable[[], BaseException]) -> Iterator[list[int]]:
    """While inside, the next forward pass of `model` raises; yields [times raised]."""
    raised = [0]

    def hook(module: torch.nn.Module, args: object) -> None:
        if not raised[0]:
            raised[0] += 1
            raise make_error()

    handle = model.register_forward_pre_hook(hook)
    try:
        yield raised
    finally:
        handle.remove()


def assert_names_nothing_internal(body: dict[str, str]) -> None:
    assert set(body) == {"error", "type"}
    for word in INTERNALS:
        assert word not in body["error"], (word, body)


OUT_OF_MEMORY = [
    lambda: torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB (GPU 0; 79.1 GiB total)"),
    lambda: RuntimeError("[enforce fail at alloc_cpu.cpp:127] DefaultCPUAllocator: can't allocate memory: 8 GB"),
    lambda: MemoryError(),
]


@pytest.mark.parametrize("make_error", OUT_OF_MEMORY, ids=["cuda", "cpu-allocator", "python"])
def test_out_of_memory_in_the_summarizer_gets_503_then_the_next_request_works(
    faulty_client: TestClient, models: dict[str, LoadedModel], make_error: Callable[[], BaseException]
) -> None:
    with fails_once(models["summarizer"].model, make_error) as raised:
        response = faulty_client.post("/summarize", json={"text": ARTICLE})
        assert raised == [1]
        assert response.status_code == 503
        assert response.headers["retry-after"] == "1"
        assert response.json() == {
            "error": "the server is temporarily out of memory; retry shortly",
            "type": "out_of_memory",
        }
        assert_names_nothing_internal(response.json())
        assert faulty_client.post("/summarize", json={"text": ARTICLE}).status_code == 200


def test_out_of_memory_in_the_translator_gets_503_then_the_next_request_works(
    faulty_client: TestClient, models: dict[str, LoadedModel]
) -> None:
    with fails_once(models["translator"].model, OUT_OF_MEMORY[0]):
        response = faulty_client.post("/translate", json={"q": ["وصل الوفد.", "بدأ الاجتماع."]})
        assert response.status_code == 503 and response.json()["type"] == "out_of_memory"
        again = faulty_client.post("/translate", json={"q": ["وصل الوفد.", "بدأ الاجتماع."]})
        assert again.status_code == 200 and len(again.json()["translatedText"]) == 2


def test_any_other_error_in_generation_gets_500_naming_nothing_and_is_logged(
    faulty_client: TestClient, models: dict[str, LoadedModel], caplog: pytest.LogCaptureFixture
) -> None:
    boom = lambda: RuntimeError("boom: shape mismatch in /opt/models/secret/modeling.py line 12")  # noqa: E731
    with caplog.at_level(logging.ERROR), fails_once(models["summarizer"].model, boom):
        response = faulty_client.post("/summarize", json={"text": ARTICLE})
    assert response.status_code == 500
    assert response.json() == {"error": "internal error; see the server log", "type": "internal_error"}
    assert_names_nothing_internal(response.json())
    logged = [record for record in caplog.records if record.message == "unhandled error on POST /summarize"]
    assert len(logged) == 1 and logged[0].exc_info is not None and "boom" in str(logged[0].exc_info[1])
    assert faulty_client.post("/summarize", json={"text": ARTICLE}).status_code == 200
    assert faulty_client.get("/health").status_code == 200


def test_out_of_memory_is_recognised_by_kind_not_by_any_runtime_error() -> None:
    assert is_out_of_memory(torch.OutOfMemoryError("x"))
    assert is_out_of_memory(MemoryError())
    assert is_out_of_memory(RuntimeError("DefaultCPUAllocator: can't allocate memory: you tried to allocate 8"))
    assert not is_out_of_memory(RuntimeError("index out of range in self"))
    assert not is_out_of_memory(ValueError("can't allocate memory"))
