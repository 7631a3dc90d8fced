"""End to end through a real uvicorn server started by `khulasa serve` on a free port."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def server(tiny_models: Path) -> Iterator[str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("KHULASA_")}
    env.update(
        KHULASA_SUMMARIZER=str(tiny_models / "summarizer"),
        KHULASA_TRANSLATOR=str(tiny_models / "translator"),
        HF_HUB_OFFLINE="1",
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "service", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    try:
        while True:
            assert process.poll() is None, process.stderr.read().decode() if process.stderr else ""
            try:
                if httpx.get(f"{base}/ready", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "server not ready within 60 s"
            time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)


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
