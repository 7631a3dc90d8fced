"""Results as they come and answers remembered, through TestClient with the lifespan running (tiny models)."""

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.api.app import create_app
from service.config import Settings
from service.engines.factory import Engines, load_engines
from tests.conftest import wait_ready
from tests.test_pipeline import ARTICLE, ARTICLE_WITH_SUBHEADING

STREAM = {"Accept": "application/x-ndjson"}
DIGEST_LINE = b'{"event":"digest","digest":'


def app_client(settings: Settings, engines: Engines) -> Iterator[TestClient]:
    with TestClient(create_app(settings, engines=engines)) as client:
        wait_ready(client)
        yield client


@pytest.fixture
def cached(tiny_settings: Settings, short_engines: Engines) -> Iterator[TestClient]:
    yield from app_client(tiny_settings, short_engines)


@pytest.fixture
def uncached(tiny_settings: Settings, short_engines: Engines) -> Iterator[TestClient]:
    yield from app_client(tiny_settings.model_copy(update={"cache_max_bytes": 0}), short_engines)


def events(raw: bytes) -> list[dict[str, Any]]:
    assert raw.endswith(b"\n")
    return [json.loads(line) for line in raw.split(b"\n")[:-1]]


def digest_bytes(raw: bytes) -> bytes:
    last = raw.split(b"\n")[-2]
    assert last.startswith(DIGEST_LINE) and last.endswith(b"}")
    return last[len(DIGEST_LINE) : -1]


def without_timings(digest: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in digest.items() if key != "timing_ms"}


def test_stream_sends_the_sections_then_each_stage_then_the_plain_answer(uncached: TestClient) -> None:
    request = {"text": ARTICLE_WITH_SUBHEADING, "title": "عنوان من المرسل"}
    response = uncached.post("/summarize", json=request, headers=STREAM)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/x-ndjson")
    assert "x-khulasa-cache" not in response.headers  # the cache is off
    lines = events(response.content)
    first, last = lines[0], lines[-1]
    assert first == {"event": "sections", **uncached.post("/segment", json={"text": request["text"]}).json()}
    plain = uncached.post("/summarize", json=request).json()
    assert last["event"] == "digest" and without_timings(last["digest"]) == without_timings(plain)
    digest = last["digest"]
    count = len(digest["sections"])
    assert count == len(first["sections"]) == 2
    middle = [(line["event"], line.get("index")) for line in lines[1:-1]]
    assert middle == [("summary", i) for i in range(count)] + [("translation", i) for i in range(count)] + [
        ("title", None)
    ]
    for line in lines[1:-1]:
        if line["event"] == "summary":
            assert line["ar"] == digest["sections"][line["index"]]["summary"]["ar"]
        elif line["event"] == "translation":
            assert line["en"] == digest["sections"][line["index"]]["summary"]["en"]
        else:
            assert {"ar": line["ar"], "en": line["en"]} == digest["title"] and line["ar"] == request["title"]


def test_repeated_request_is_a_byte_identical_hit_and_a_changed_option_a_miss(cached: TestClient) -> None:
    first = cached.post("/summarize", json={"text": ARTICLE})
    again = cached.post("/summarize", json={"text": ARTICLE})
    assert (first.headers["x-khulasa-cache"], again.headers["x-khulasa-cache"]) == ("miss", "hit")
    assert again.content == first.content and again.headers["content-type"] == "application/json"
    for changed in ({"text": ARTICLE, "max_sections": 1}, {"text": ARTICLE, "title": "عنوان"}, {"text": ARTICLE + " "}):
        assert cached.post("/summarize", json=changed).headers["x-khulasa-cache"] == "miss", changed
    # Leaving max_sections out asks for the default: the same answer.
    assert cached.post("/summarize", json={"text": ARTICLE, "max_sections": 12}).headers["x-khulasa-cache"] == "hit"
    metrics = cached.get("/metrics").text
    assert 'khulasa_cache_hits_total{route="/summarize"} 2.0' in metrics
    assert 'khulasa_cache_misses_total{route="/summarize"} 4.0' in metrics


def test_stream_and_plain_answers_share_the_cache_byte_for_byte(cached: TestClient) -> None:
    streamed = cached.post("/summarize", json={"text": ARTICLE, "max_sections": 2}, headers=STREAM)
    plain = cached.post("/summarize", json={"text": ARTICLE, "max_sections": 2})
    assert (streamed.headers["x-khulasa-cache"], plain.headers["x-khulasa-cache"]) == ("miss", "hit")
    assert digest_bytes(streamed.content) == plain.content
    replayed = cached.post("/summarize", json={"text": ARTICLE, "max_sections": 2}, headers=STREAM)
    assert replayed.headers["x-khulasa-cache"] == "hit"
    assert replayed.content == streamed.content  # the same lines, from the remembered digest


def test_errors_before_the_first_line_are_plain_json_errors(cached: TestClient) -> None:
    for body, status in (({"text": "  "}, 422), ({"text": ARTICLE, "max_sections": 0}, 422), ({"txt": "x"}, 422)):
        response = cached.post("/summarize", json=body, headers=STREAM)
        assert response.status_code == status
        assert response.headers["content-type"] == "application/json"
        assert set(response.json()) == {"error", "type"}


def test_an_error_after_the_first_line_is_an_error_line_and_the_work_stops(tiny_settings: Settings) -> None:
    # A summarizer told to write 100,000 tokens: only its time budget ends the request.
    endless = {"num_beams": 1, "min_new_tokens": 100_000, "max_new_tokens": 100_000}
    settings = tiny_settings.model_copy(update={"summarizer_generate": endless, "request_timeout_s": 0.5})
    engines = load_engines(settings)
    for client in app_client(settings, engines):
        lines = events(client.post("/summarize", json={"text": ARTICLE}, headers=STREAM).content)
        assert [line["event"] for line in lines] == ["sections", "error"]
        assert lines[1] == {
            "event": "error",
            "status": 504,
            "error": "the request ran past its time budget of 0.5 s",
            "type": "timeout",
        }
        batcher = client.app.state.khulasa.batcher  # type: ignore[attr-defined]
        deadline = time.monotonic() + 60
        while batcher.running and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not batcher.running, "the abandoned generation kept running"
        assert engines.summarizer.tokens_generated == 0
        # The failure was not remembered: the same request is computed (and fails) again.
        assert client.post("/summarize", json={"text": ARTICLE}).status_code == 504


@pytest.mark.parametrize(
    "send",
    [
        lambda client, q: client.post("/translate", json={"q": q, "source": "ar", "target": "en"}),
        lambda client, q: client.post("/translate", data={"q": q, "source": "ar", "target": "en"}),
        lambda client, q: client.post("/translate", files={"q": (None, q), "source": (None, "ar")}),
        lambda client, q: client.post("/translate", params={"q": q, "target": "en"}),
    ],
    ids=["json", "form", "multipart", "query"],
)
def test_translate_answers_are_remembered_across_body_encodings(cached: TestClient, send: Any) -> None:
    text = "وصل الوفد إلى القاهرة صباح اليوم."
    first = cached.post("/translate", json={"q": text})
    assert first.headers["x-khulasa-cache"] == "miss"
    again = send(cached, text)
    assert again.status_code == 200 and again.headers["x-khulasa-cache"] == "hit"
    assert again.content == first.content
    with_api_key = cached.post("/translate", json={"q": text, "api_key": "whatever"})
    assert with_api_key.headers["x-khulasa-cache"] == "hit"  # the key says who asks, not what the answer is
    for changed in ({"q": [text]}, {"q": text, "alternatives": 2}, {"q": text, "format": "html"}):
        response = cached.post("/translate", json=changed)
        assert response.status_code == 200 and response.headers["x-khulasa-cache"] == "miss", changed
    assert 'khulasa_cache_hits_total{route="/translate"} 2.0' in cached.get("/metrics").text


def test_a_cached_translate_error_is_not_an_answer(cached: TestClient) -> None:
    for _ in range(2):
        response = cached.post("/translate", json={"q": "نص", "target": "fr"})
        assert response.status_code == 400 and "x-khulasa-cache" not in response.headers


def test_every_event_stays_on_its_line_whatever_the_text_holds(cached: TestClient) -> None:
    # JSON leaves U+0085, U+2028 and U+2029 unescaped; str.splitlines() would cut an event at each.
    text = "وصل الوفد\u2028 إلى القاهرة\x85 صباح اليوم.\u2029\n\nوبدأ الاجتماع بعد الظهر."
    streamed = cached.post("/summarize", json={"text": text}, headers=STREAM)
    lines = streamed.text.splitlines()
    assert [json.loads(line)["event"] for line in lines][0 :: len(lines) - 1] == ["sections", "digest"]
    digest = json.loads(lines[-1])["digest"]
    assert all(text[section["start"] : section["end"]] == section["text"] for section in digest["sections"])
    plain = cached.post("/summarize", json={"text": text})
    assert digest == plain.json() and "\x85" in plain.text  # the plain answer keeps them as they are


def test_a_cache_dir_that_cannot_be_made_stops_startup_naming_the_setting(
    tiny_settings: Settings, short_engines: Engines, tmp_path: Path
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    settings = tiny_settings.model_copy(update={"cache_dir": blocker / "answers"})
    reasons: list[str] = []
    with TestClient(create_app(settings, engines=short_engines, on_fatal=reasons.append)) as client:
        deadline = time.monotonic() + 30
        while not reasons and time.monotonic() < deadline:
            time.sleep(0.02)
        assert client.get("/ready").status_code == 503
    assert len(reasons) == 1 and reasons[0].startswith("cache_dir (KHULASA_CACHE_DIR)"), reasons


def test_a_page_streams_its_extracted_text_and_the_summary_mode_is_part_of_the_key(cached: TestClient) -> None:
    paragraphs = "".join(f"<p>{paragraph}</p>" for paragraph in ARTICLE.split("\n\n") if paragraph.strip())
    page = f"<html><body><nav>الرئيسية</nav><article>{paragraphs}</article><footer>جميع الحقوق</footer></body></html>"
    lines = events(cached.post("/summarize", json={"html": page}, headers=STREAM).content)
    text = lines[0]["text"]
    assert text.strip() and "الرئيسية" not in text
    assert lines[-1]["digest"]["text"] == text
    assert all(text[s["start"] : s["end"]] == s["text"] for s in lines[-1]["digest"]["sections"])
    plain = cached.post("/summarize", json={"html": page})
    assert plain.headers["x-khulasa-cache"] == "hit" and plain.json() == lines[-1]["digest"]
    extractive = cached.post("/summarize", json={"html": page, "summary": "extractive"})
    assert extractive.status_code == 200 and extractive.headers["x-khulasa-cache"] == "miss"
    assert all(s["summary"]["spans"] for s in extractive.json()["sections"])
