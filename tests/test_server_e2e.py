"""End to end through a real uvicorn server started by `khulasa serve` on a free port (conftest `server`)."""

from pathlib import Path

import httpx
import pytest

from tests.conftest import RunningServer

pytestmark = pytest.mark.slow  # a real uvicorn server (`khulasa serve`): seconds to start


def assert_still_up(base: str) -> None:
    assert httpx.get(f"{base}/health", timeout=5).json() == {"status": "ok"}


def test_reference_article_end_to_end(server: str, reference_article: str) -> None:
    response = httpx.post(f"{server}/summarize", json={"text": reference_article}, timeout=120)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"title", "sections", "removed", "models", "timing_ms"}
    assert body["sections"]
    for section in body["sections"]:
        assert reference_article[section["start"] : section["end"]] == section["text"]
        assert isinstance(section["summary"]["ar"], str) and section["summary"]["ar"].strip()
        assert isinstance(section["summary"]["en"], str) and section["summary"]["en"].strip()
    for removed in body["removed"]:
        assert reference_article[removed["start"] : removed["end"]] == removed["text"]


def test_translate_three_sentences_in_order(server: str) -> None:
    sentences = ["وصل الوفد إلى القاهرة.", "بدأ الاجتماع ظهرا.", "هل ستنجح المفاوضات؟"]
    response = httpx.post(f"{server}/translate", json={"q": sentences, "source": "ar", "target": "en"}, timeout=60)
    assert response.status_code == 200
    translated = response.json()["translatedText"]
    assert isinstance(translated, list) and len(translated) == 3
    assert all(isinstance(text, str) and text.strip() for text in translated)
    # The server runs the CPU default, int8, whose activation scales depend on the whole batch: the same batch in
    # another order must give the same translations in that order.
    reversed_ = httpx.post(f"{server}/translate", json={"q": sentences[::-1]}, timeout=60).json()["translatedText"]
    assert reversed_ == translated[::-1]


@pytest.mark.parametrize(
    ("content", "status"),
    [
        (b'{"text": ""}', 422),
        (b'{"text": "   \\n  "}', 422),
        (b'{"text": 12}', 422),
        (b'{"text": "\\u0646\\u0635", "max_sections": "two"}', 422),
        (b'{"text": ', 400),
        (b"not json at all", 400),
    ],
)
def test_bad_input_gets_4xx_json_and_server_stays_up(server: str, content: bytes, status: int) -> None:
    response = httpx.post(
        f"{server}/summarize", content=content, headers={"content-type": "application/json"}, timeout=30
    )
    assert response.status_code == status
    assert set(response.json()) == {"error", "type"}
    assert_still_up(server)


def test_one_megabyte_body_gets_413_and_server_stays_up(server: str) -> None:
    body = b'{"text": "' + "ن".encode() * 500_000 + b'"}'
    response = httpx.post(f"{server}/summarize", content=body, headers={"content-type": "application/json"}, timeout=30)
    assert response.status_code == 413
    assert response.json()["type"] == "payload_too_large"
    assert_still_up(server)


def test_a_ctranslate2_server_holds_neither_torch_nor_transformers(live_server: RunningServer) -> None:
    info = httpx.get(f"{live_server.base}/info", timeout=10).json()
    if info["models"]["summarizer"]["backend"] != "ctranslate2":
        pytest.skip("the ctranslate2 extra is not installed: the server runs the torch backend")
    # Converted in a child process (or found in the cache); the server itself imported neither.
    assert info["loaded"] == {"torch": False, "transformers": False, "ctranslate2": True}
    maps = Path(f"/proc/{live_server.process.pid}/maps")
    if maps.is_file():
        assert "libtorch" not in maps.read_text()
