"""`khulasa serve --engine ray`: the same answers, errors and limits as one process, models in Serve deployments."""

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from service.api.app import create_app
from service.config import Settings
from service.engines.factory import Engines
from tests.conftest import wait_ready
from tests.ray.conftest import RAY_MISSING

pytest.importorskip("ray", reason=RAY_MISSING)
pytestmark = pytest.mark.slow

ARTICLE = (
    "قال المتحدث باسم الحكومة إن الاجتماع سيعقد غدا في العاصمة لبحث الأزمة الاقتصادية.\n\n"
    "وأضاف أن الوزراء سيناقشون خطة لخفض الأسعار ودعم الأسر. وتوقع أن تصدر القرارات خلال أسبوع.\n\n"
    "في سياق منفصل، فاز المنتخب الوطني لكرة القدم على ضيفه بهدفين دون رد في مباراة ودية."
)
SENTENCES = ["وصل الوفد إلى القاهرة. وبدأ الاجتماع ظهرا.", "هل ستنجح المفاوضات؟"]


@pytest.fixture(scope="module")
def local(ray_settings: Settings, local_engines: Engines) -> Iterator[TestClient]:
    """The one-process service with the same settings and models, to compare with."""
    with TestClient(create_app(ray_settings, engines=local_engines)) as client:
        wait_ready(client)
        yield client


def _without_timing(digest: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in digest.items() if key != "timing_ms"}


def test_summarize_on_ray_equals_local(ray_server: str, local: TestClient) -> None:
    body = {"text": ARTICLE, "title": "خبر"}
    remote = httpx.post(f"{ray_server}/summarize", json=body, timeout=60)
    assert remote.status_code == 200, remote.text
    assert len(remote.json()["sections"]) >= 1
    assert _without_timing(remote.json()) == _without_timing(local.post("/summarize", json=body).json())


def test_translate_on_ray_equals_local(ray_server: str, local: TestClient) -> None:
    for q in (SENTENCES, SENTENCES[0]):
        body = {"q": q, "source": "ar", "target": "en"}
        remote = httpx.post(f"{ray_server}/translate", json=body, timeout=60)
        assert remote.status_code == 200, remote.text
        assert remote.json() == local.post("/translate", json=body).json()
    # LibreTranslate's n-best alternatives, from a form body, reach the translator deployment too.
    form = {"q": SENTENCES[0], "source": "ar", "target": "en", "alternatives": "2"}
    remote = httpx.post(f"{ray_server}/translate", data=form, timeout=60)
    assert remote.status_code == 200, remote.text
    assert remote.json() == local.post("/translate", data=form).json() and "alternatives" in remote.json()


@pytest.mark.parametrize(
    ("path", "content", "content_type", "status"),
    [
        ("/summarize", json.dumps({"text": "ا" * 300_000}), "application/json", 413),
        ("/summarize", "text=abc", "application/x-www-form-urlencoded", 415),
        ("/summarize", json.dumps({"title": "no text"}), "application/json", 422),
        ("/translate", json.dumps({"q": ["مرحبا", 5], "source": "ar", "target": "en"}), "application/json", 422),
        ("/translate", json.dumps({"q": "مرحبا", "source": "fr", "target": "en"}), "application/json", 400),
    ],
)
def test_bad_input_gets_the_local_status_and_body(
    ray_server: str, local: TestClient, path: str, content: str, content_type: str, status: int
) -> None:
    headers = {"content-type": content_type}
    remote = httpx.post(f"{ray_server}{path}", content=content, headers=headers, timeout=30)
    here = local.post(path, content=content, headers=headers)
    assert (remote.status_code, remote.json()) == (status, here.json())
    assert here.status_code == status


def test_sixteen_concurrent_requests_all_get_200(ray_server: str) -> None:
    def translate(number: int) -> tuple[int, str]:
        body = {"q": f"{SENTENCES[number % 2]} رقم {number}", "source": "ar", "target": "en"}
        response = httpx.post(f"{ray_server}/translate", json=body, timeout=120)
        return response.status_code, response.text

    with ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(translate, range(16)))
    assert [status for status, _ in answers] == [200] * 16, answers


def test_info_and_metrics_describe_the_deployments(ray_server: str) -> None:
    info = httpx.get(f"{ray_server}/info", timeout=10).json()
    assert info["status"] == "ready"
    for role in ("summarizer", "translator"):
        assert info["models"][role]["deployment"]["name"] == role
        assert info["models"][role]["deployment"]["num_cpus"] == 0.5
        assert info["models"][role]["id"].endswith(role)
    metrics = httpx.get(f"{ray_server}/metrics", timeout=10).text
    assert 'khulasa_generated_tokens_total{role="translator"}' in metrics
