"""The service on Ray Serve when things go wrong: replicas starting or killed, queues full, time budgets spent.

One extra application (`/faults`, beside `khulasa serve --engine ray`'s own on the same proxy) has a slow
translator (long beam-search outputs), one request per batch, one waiting and a 5 s budget, so each case is
reached within seconds.
"""

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from service.api.app import create_app
from service.config import Settings
from service.errors import Overloaded
from tests.conftest import wait_ready
from tests.ray.conftest import RAY_MISSING, Answer

pytest.importorskip("ray", reason=RAY_MISSING)
pytestmark = pytest.mark.slow

APP = "faults"
BUDGET_S = 5.0
SHORT_TEXT = "وصل الوفد إلى القاهرة."
LONG_SENTENCE = " ".join(["قال المتحدث باسم الحكومة إن الاجتماع سيعقد غدا في العاصمة لبحث الأزمة الاقتصادية"] * 3)
# Many long sentences at 200 tokens and 4 beams each: seconds past the budget on any CPU this runs on.
SLOW_BODY = {"q": [f"{LONG_SENTENCE} {number}." for number in range(128)], "source": "ar", "target": "en"}


@pytest.fixture(scope="module")
def slow_settings(ray_settings: Settings) -> Settings:
    return ray_settings.model_copy(
        update={
            "max_queue": 1,
            "max_batch": 1,
            "request_timeout_s": BUDGET_S,
            "translator_generate": {"max_new_tokens": 200, "num_beams": 4},
        }
    )


@pytest.fixture(scope="module")
def faults(ray_server: str, slow_settings: Settings) -> Iterator[str]:
    """The slow application's base URL, through the proxy of `ray_server`; deleted afterwards (its CPUs go back)."""
    from ray import serve

    from service.scale.serve import application

    serve.run(application(slow_settings), name=APP, route_prefix=f"/{APP}")
    try:
        yield f"{ray_server}/{APP}"
    finally:
        serve.delete(APP)


def _translate(base: str, body: dict[str, Any]) -> httpx.Response:
    return httpx.post(f"{base}/translate", json=body, timeout=120)


def _short(base: str) -> httpx.Response:
    return _translate(base, {"q": SHORT_TEXT, "source": "ar", "target": "en"})


def _kill_replica(role: str) -> None:
    """Kill the `faults` application's `role` replica process, as a crash would (Serve starts another)."""
    import ray

    prefix = f"SERVE_REPLICA::{APP}#{role}#"
    named = [actor for actor in ray.util.list_named_actors(all_namespaces=True) if actor["name"].startswith(prefix)]
    assert len(named) == 1, named
    ray.kill(ray.get_actor(named[0]["name"], namespace=named[0]["namespace"]), no_restart=True)


def test_ready_is_503_while_the_replicas_start_and_200_after(ray_server: str, ray_startup: list[Answer]) -> None:
    """What /ready answered from the moment `khulasa serve --engine ray` began until it first said 200."""
    statuses = [status for status, _, _ in ray_startup]
    assert statuses[-1] == 200 and statuses.count(200) == 1, ray_startup
    loading = [answer for answer in ray_startup if answer[0] == 503]
    assert loading, f"no 503 while the model replicas started: {ray_startup}"
    assert all('"type":"not_ready"' in body and retry for _, body, retry in loading), loading
    for status, body, _ in ray_startup[: statuses.index(503)]:
        # Before the application exists Serve's proxy refuses, says the path is unknown, or holds the request.
        assert isinstance(status, str) or (status == 404 and "not found" in body), ray_startup
    # Once the models answer, it stays ready.
    assert all(status in (503, 200) for status in statuses[statuses.index(503) :]), ray_startup
    assert httpx.get(f"{ray_server}/ready", timeout=10).status_code == 200


def test_full_queue_answers_429_with_retry_after_and_never_5xx(faults: str) -> None:
    def translate(number: int) -> httpx.Response:
        return _translate(faults, {"q": f"{LONG_SENTENCE} {number}", "source": "ar", "target": "en"})

    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(translate, range(6)))
    statuses = [answer.status_code for answer in answers]
    assert set(statuses) <= {200, 429}, [answer.text for answer in answers]
    refused = [answer for answer in answers if answer.status_code == 429]
    assert refused and all(answer.headers.get("retry-after") for answer in refused), statuses
    assert refused[0].json()["type"] == "overloaded"


def test_serve_queue_limit_on_a_model_handle_is_overloaded(faults: str) -> None:
    """Another caller of the model deployment (one running, one queued allowed) meets Serve's own limit, which
    the engine reports as Overloaded: HTTP 429 with Retry-After, as the local service answers a full queue."""
    from ray import serve

    from service.scale.remote import RemoteTranslator

    translator = RemoteTranslator(serve.get_deployment_handle("translator", app_name=APP), {"name": "translator"})

    # Calls of 16 sentences each, 8 at once: on a quiet machine one short sentence finished before the next thread
    # had sent its call, so nothing ever queued.
    def translate(number: int) -> list[str] | Overloaded:
        try:
            return translator.translate_batch([f"{LONG_SENTENCE} {number}.{item}" for item in range(16)])
        except Overloaded as error:
            return error

    # Whether calls overlap is up to the scheduler: on a quiet machine one burst in several (CI rehearsals of 7
    # December 2026: one in three) finished call by call, so up to five bursts are sent until one meets the limit.
    # A limit that is never enforced still fails: no burst is refused.
    for _ in range(5):
        with ThreadPoolExecutor(8) as pool:
            results = list(pool.map(translate, range(8)))
        refused = [result for result in results if isinstance(result, Overloaded)]
        if refused:
            break
    assert refused and len(refused) < len(results), [type(result).__name__ for result in results]
    assert "queue limit" in str(refused[0])
    assert all(len(result) == 16 for result in results if not isinstance(result, Overloaded))


def test_request_budget_gives_504_with_the_local_body(faults: str, slow_settings: Settings) -> None:
    started = time.monotonic()
    remote = _translate(faults, SLOW_BODY)
    waited = time.monotonic() - started
    assert remote.status_code == 504, remote.text
    assert BUDGET_S <= waited < BUDGET_S + 5, waited
    # The local app gets twice the work (256 sentences, the most one request may carry): a 504's body does not depend
    # on the request, and the local engines need 5.6 s for SLOW_BODY on the quiet 2-core machine, against a 5 s
    # budget (a CI rehearsal of 7 December 2026 finished it inside); twice takes 8.6 s. Past the budget the work is
    # cancelled, so the extra costs nothing.
    local_body = {**SLOW_BODY, "q": [f"{LONG_SENTENCE} {number}." for number in range(2 * len(SLOW_BODY["q"]))]}
    with TestClient(create_app(slow_settings)) as client:
        wait_ready(client)
        here = client.post("/translate", json=local_body)
    assert (remote.status_code, remote.json()) == (here.status_code, here.json())
    assert remote.json()["type"] == "timeout"


def test_replica_killed_mid_request_gives_503_and_the_service_recovers(faults: str) -> None:
    answer: list[httpx.Response] = []
    request = threading.Thread(target=lambda: answer.append(_translate(faults, SLOW_BODY)))
    request.start()
    time.sleep(1.0)  # the request is on the translator replica by now
    _kill_replica("translator")
    request.join(timeout=BUDGET_S + 30)
    assert answer, "the request hung after its replica was killed"
    killed = answer[0]
    assert killed.status_code == 503, killed.text
    assert killed.json()["type"] == "unavailable" and killed.headers.get("retry-after")

    # Serve starts a new replica; meanwhile requests wait for it within their budget. No restart of the service.
    seen: list[int] = []
    deadline = time.monotonic() + 120
    while not seen or seen[-1] != 200:
        assert time.monotonic() < deadline, f"no 200 within 120 s of the kill: {seen}"
        seen.append(_short(faults).status_code)
    assert set(seen) <= {200, 503, 504}, seen
    assert httpx.get(f"{faults}/ready", timeout=10).status_code == 200
