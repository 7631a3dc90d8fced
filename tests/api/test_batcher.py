"""Cross-request micro-batching, queue limits, the per-request time budget and graceful shutdown."""

import asyncio
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from service.api.app import create_app
from service.api.batcher import MicroBatcher
from service.config import Settings
from service.digest import Digest
from service.engines.factory import Engines, load_engines
from service.errors import DeadlineExceeded, InvalidInput, Overloaded
from service.pipeline import DigestPipeline, DigestRequest
from tests.conftest import running_server, wait_ready

SHORT_ARTICLE = "\n".join(
    ["وصل الوفد إلى القاهرة صباح اليوم.", "وبدأ الاجتماع ظهرا في مقر الوزارة.", "وقال الوزير إن المحادثات كانت مثمرة."]
)


def without_timing(digest: Digest) -> dict[str, Any]:
    return digest.model_dump(exclude={"timing_ms"})


def articles(reference_article: str) -> list[DigestRequest]:
    lines = reference_article.splitlines()
    return [
        DigestRequest(reference_article),
        DigestRequest("\n".join(lines[len(lines) // 2 :]), max_sections=1),
        DigestRequest(SHORT_ARTICLE, title="اجتماع في القاهرة"),
    ]


@pytest.mark.slow
def test_concurrent_digests_share_one_batch_and_equal_running_alone(engines: Engines, reference_article: str) -> None:
    pipeline = DigestPipeline(engines.summarizer, engines.translator)
    requests = articles(reference_article)
    alone = [pipeline.run(r.text, title=r.title, max_sections=r.max_sections) for r in requests]

    async def scenario() -> tuple[list[Digest], int]:
        batcher = MicroBatcher({"digest": pipeline.run_many}, max_queue=16, max_batch=8, window_s=0.5, timeout_s=300)
        together = await asyncio.gather(*(batcher.submit("digest", request) for request in requests))
        return list(together), batcher.batches_run

    together, batches = asyncio.run(scenario())
    assert batches == 1
    assert [without_timing(d) for d in together] == [without_timing(d) for d in alone]
    assert all(digest.sections for digest in together)


def test_an_invalid_article_fails_alone_in_its_batch(short_engines: Engines) -> None:
    # Outputs cut at 8 tokens: what is tested is which request fails, and full-length outputs cost seconds.
    pipeline = DigestPipeline(short_engines.summarizer, short_engines.translator)
    results = pipeline.run_many([DigestRequest("  \n "), DigestRequest(SHORT_ARTICLE)])
    assert isinstance(results[0], InvalidInput)
    assert isinstance(results[1], Digest)
    assert without_timing(results[1]) == without_timing(pipeline.run(SHORT_ARTICLE))


@pytest.mark.slow
def test_concurrent_translate_requests_each_get_their_own_translations(
    tiny_settings: Settings, engines: Engines
) -> None:
    batches = [["وصل الوفد إلى القاهرة."], ["بدأ الاجتماع ظهرا.", "هل ستنجح المفاوضات؟"], ["قال الوزير.", ""]]
    settings = tiny_settings.model_copy(update={"batch_window_ms": 200.0})
    with TestClient(create_app(settings, engines=engines)) as client:
        wait_ready(client)
        alone = [client.post("/translate", json={"q": q}).json()["translatedText"] for q in batches]
        with ThreadPoolExecutor(len(batches)) as pool:
            responses = list(pool.map(lambda q: client.post("/translate", json={"q": q}), batches))
    assert [response.status_code for response in responses] == [200] * len(batches)
    assert [response.json()["translatedText"] for response in responses] == alone
    assert [len(texts) for texts in alone] == [1, 2, 2] and alone[2][1] == ""


class Blocking:
    """A batch runner that holds its batch until released, recording every payload it was given."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.seen: list[str] = []

    def __call__(self, payloads: list[str]) -> list[str]:
        self.seen.extend(payloads)
        assert self.release.wait(30)
        return [payload.upper() for payload in payloads]


def test_past_the_queue_limit_requests_are_refused_at_once() -> None:
    runner = Blocking()

    async def scenario() -> list[str]:
        batcher = MicroBatcher({"echo": runner}, max_queue=1, max_batch=1, window_s=0, timeout_s=60)
        first = asyncio.create_task(batcher.submit("echo", "a"))
        while not batcher.running:
            await asyncio.sleep(0.01)
        second = asyncio.create_task(batcher.submit("echo", "b"))
        await asyncio.sleep(0.05)
        with pytest.raises(Overloaded, match="1 requests are already waiting"):
            await batcher.submit("echo", "c")
        runner.release.set()
        return [await first, await second]

    assert asyncio.run(scenario()) == ["A", "B"]
    assert runner.seen == ["a", "b"]


def test_a_waiting_request_past_its_budget_is_dropped_unrun() -> None:
    runner = Blocking()

    async def scenario() -> str:
        batcher = MicroBatcher({"echo": runner}, max_queue=4, max_batch=1, window_s=0, timeout_s=0.3)
        first = asyncio.create_task(batcher.submit("echo", "a"))
        while not batcher.running:
            await asyncio.sleep(0.01)
        with pytest.raises(DeadlineExceeded, match="time budget of 0.3 s"):
            await batcher.submit("echo", "late")
        with pytest.raises(DeadlineExceeded):
            await first
        runner.release.set()
        await batcher.drain()
        result: str = await batcher.submit("echo", "next")
        return result

    assert asyncio.run(scenario()) == "NEXT"
    assert runner.seen == ["a", "next"]


def test_over_budget_request_gets_504_and_its_generation_stops(tiny_settings: Settings) -> None:
    # A summarizer told to write 100,000 tokens: only cancellation can end that batch within the test.
    endless = {"num_beams": 1, "min_new_tokens": 100_000, "max_new_tokens": 100_000}
    settings = tiny_settings.model_copy(update={"summarizer_generate": endless, "request_timeout_s": 0.5})
    slow_engines = load_engines(settings)
    with TestClient(create_app(settings, engines=slow_engines)) as client:
        wait_ready(client)
        response = client.post("/summarize", json={"text": SHORT_ARTICLE})
        assert response.status_code == 504
        assert response.json() == {"error": "the request ran past its time budget of 0.5 s", "type": "timeout"}
        batcher = client.app.state.khulasa.batcher  # type: ignore[attr-defined]
        deadline = time.monotonic() + 60
        while batcher.running and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not batcher.running, "the abandoned generation kept running"
        assert slow_engines.summarizer.tokens_generated == 0
        assert client.post("/translate", json={"q": "بدأ الاجتماع ظهرا."}).status_code == 200


@pytest.mark.slow
def test_sigterm_lets_the_request_in_flight_finish(tiny_models: Path, tmp_path: Path) -> None:
    slow = '{"num_beams": 4, "min_new_tokens": 400, "max_new_tokens": 400}'
    with running_server(tiny_models, tmp_path / "server.log", summarizer_generate=slow) as running:
        base, process = running.base, running.process
        answer: dict[str, httpx.Response] = {}
        request = threading.Thread(
            target=lambda: answer.update(r=httpx.post(f"{base}/summarize", json={"text": SHORT_ARTICLE}, timeout=120))
        )
        request.start()
        # The pipeline has started once the clean stage shows in the metrics.
        deadline = time.monotonic() + 60
        while 'khulasa_stage_duration_seconds_count{stage="clean"}' not in httpx.get(f"{base}/metrics").text:
            assert time.monotonic() < deadline
            time.sleep(0.02)
        process.send_signal(signal.SIGTERM)
        request.join(120)
        # uvicorn re-raises the signal once it has shut down cleanly, as a service manager expects.
        assert process.wait(60) in (0, -signal.SIGTERM)
    assert answer["r"].status_code == 200
    assert answer["r"].json()["sections"][0]["summary"]["ar"]
