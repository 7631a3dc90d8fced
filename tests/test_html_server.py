"""Web pages, the extractive mode and CORS through real `khulasa serve` processes (uvicorn, tiny models)."""

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import RunningServer, running_server
from tests.pages import natural_articles, news_page

pytestmark = pytest.mark.slow

ELSEWHERE = "https://reader.example"
PREFLIGHT = {
    "Origin": ELSEWHERE,
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "content-type",
}


@pytest.fixture(scope="module")
def faithful_server(tiny_models: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """No summarizer model at all, whole pages allowed in (8 MB), 5 s to read one, CORS narrowed to one origin."""
    log = tmp_path_factory.mktemp("faithful") / "server.log"
    with running_server(
        tiny_models,
        log,
        summarizer="extractive",
        max_body_bytes="8000000",
        html_timeout_s="5",
        libretranslate_cors=ELSEWHERE,
    ) as running:
        yield running


def test_a_page_gives_the_sections_of_its_extracted_text(server: str) -> None:
    for article in natural_articles()[:5]:
        page = news_page(article, subheading="تفاصيل الحادث")
        from_page = httpx.post(f"{server}/segment", json={"html": page}, timeout=60)
        assert from_page.status_code == 200, from_page.text
        body = from_page.json()
        text = body.pop("text")
        assert body == httpx.post(f"{server}/segment", json={"text": text}, timeout=60).json()
        assert text.split("\n\n")[0] == article.title


def test_summarize_of_a_page_through_the_real_server(server: str) -> None:
    page = news_page(natural_articles()[2])
    digest = httpx.post(f"{server}/summarize", json={"html": page, "summary": "extractive"}, timeout=120)
    assert digest.status_code == 200, digest.text
    body = digest.json()
    as_text = httpx.post(f"{server}/summarize", json={"text": body["text"], "summary": "extractive"}, timeout=120)
    assert [s["text"] for s in body["sections"]] == [s["text"] for s in as_text.json()["sections"]]
    for section in body["sections"]:
        for span in section["summary"]["spans"]:
            assert section["start"] <= span["start"] < span["end"] <= section["end"]
            assert body["text"][span["start"] : span["end"]] in section["summary"]["ar"]


def test_a_5_mb_page_is_a_clear_4xx(server: str) -> None:
    page = "<html><body>" + "<span>كلمة</span>" * 300_000 + "</body></html>"
    answer = httpx.post(f"{server}/segment", json={"html": page}, timeout=60)
    assert answer.status_code == 413 and answer.json()["type"] == "payload_too_large"


def test_a_5_mb_page_allowed_in_is_stopped_within_its_time(faithful_server: RunningServer) -> None:
    base = faithful_server.base
    page = "<html><body>" + "<span>كلمة</span>" * 300_000 + "</body></html>"  # about a minute of extraction
    started = time.monotonic()
    answer = httpx.post(f"{base}/segment", json={"html": page}, timeout=60)
    took = time.monotonic() - started
    assert answer.status_code == 422 and answer.json()["type"] == "page_too_complex", answer.text
    assert took < 30, took  # 5 s to read it, plus starting the worker process on a busy machine
    fine = httpx.post(f"{base}/segment", json={"html": news_page(natural_articles()[0])}, timeout=60)
    assert fine.status_code == 200


def test_a_server_without_a_summarizer_model_serves_extractive_digests(faithful_server: RunningServer) -> None:
    base = faithful_server.base
    assert httpx.get(f"{base}/ready").status_code == 200
    info = httpx.get(f"{base}/info").json()
    assert info["models"]["summarizer"]["id"] == "extractive" and info["summary"]["modes"] == ["extractive"]
    page = news_page(natural_articles()[3])
    digest = httpx.post(f"{base}/summarize", json={"html": page}, timeout=120)
    assert digest.status_code == 200, digest.text
    assert all(1 <= len(s["summary"]["spans"]) <= 3 for s in digest.json()["sections"])
    refused = httpx.post(f"{base}/summarize", json={"html": page, "summary": "abstractive"}, timeout=60)
    assert refused.status_code == 422 and refused.json()["type"] == "summary_unavailable"


def test_libretranslate_routes_answer_a_preflight_from_any_origin_by_default(server: str) -> None:
    for path in ("/translate", "/detect"):
        preflight = httpx.options(f"{server}{path}", headers=PREFLIGHT)
        assert preflight.status_code == 200, (path, preflight.text)
        assert preflight.headers["access-control-allow-origin"] == "*"
        assert "POST" in preflight.headers["access-control-allow-methods"]
        assert "content-type" in preflight.headers["access-control-allow-headers"].lower()
    for path in ("/languages", "/frontend/settings", "/spec"):
        answer = httpx.get(f"{server}{path}", headers={"Origin": ELSEWHERE})
        assert answer.status_code == 200 and answer.headers["access-control-allow-origin"] == "*"
    translated = httpx.post(f"{server}/translate", data={"q": "وصل الوفد."}, headers={"Origin": ELSEWHERE}, timeout=60)
    assert translated.status_code == 200 and translated.headers["access-control-allow-origin"] == "*"
    # The service's own routes stay closed to other origins unless KHULASA_CORS_ORIGINS names them.
    own = httpx.options(f"{server}/summarize", headers=PREFLIGHT)
    assert own.status_code == 405 and "access-control-allow-origin" not in own.headers


def test_operator_narrows_libretranslate_cors_to_listed_origins(faithful_server: RunningServer) -> None:
    base = faithful_server.base
    allowed = httpx.options(f"{base}/translate", headers=PREFLIGHT)
    assert allowed.status_code == 200 and allowed.headers["access-control-allow-origin"] == ELSEWHERE
    other = httpx.options(f"{base}/translate", headers={**PREFLIGHT, "Origin": "https://other.example"})
    assert other.status_code == 400 and "access-control-allow-origin" not in other.headers
    languages = httpx.get(f"{base}/languages", headers={"Origin": "https://other.example"})
    assert languages.status_code == 200 and "access-control-allow-origin" not in languages.headers
