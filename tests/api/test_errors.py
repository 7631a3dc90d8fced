"""Every error path: status code and JSON body {"error", "type"}; the service keeps answering afterwards."""

import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from service.api.app import create_app
from service.config import Settings
from service.engines.factory import Engines
from tests.conftest import wait_ready


def assert_error(response, status: int, kind: str) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error", "type"} and body["type"] == kind and body["error"]


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        ({"text": ""}, "validation_error"),
        ({"text": "   \n\t"}, "validation_error"),
        ({"text": 42}, "validation_error"),
        ({"text": ["نص"]}, "validation_error"),
        ({"text": None}, "validation_error"),
        ({}, "validation_error"),
        ({"text": "نص", "max_sections": 0}, "validation_error"),
        ({"text": "نص", "max_sections": 13}, "validation_error"),
        ({"text": "نص", "max_sections": "3"}, "validation_error"),
        ({"text": "نص", "max_sections": True}, "validation_error"),
        ({"text": "نص", "title": 7}, "validation_error"),
        ({"text": "نص", "unknown": 1}, "validation_error"),
        ([1, 2], "validation_error"),
        ("just a string", "validation_error"),
    ],
)
def test_bad_summarize_bodies_get_422(client: TestClient, body: object, kind: str) -> None:
    assert_error(client.post("/summarize", json=body), 422, kind)
    assert client.get("/health").status_code == 200


@pytest.mark.parametrize("raw", [b"{not json", b'{"text": "x",}', b"\xff\xfe\x00garbage", b'{"text": "\xd8"}'])
def test_invalid_json_gets_400(client: TestClient, raw: bytes) -> None:
    response = client.post("/summarize", content=raw, headers={"content-type": "application/json"})
    assert_error(response, 400, "invalid_json")


def test_missing_body_gets_422(client: TestClient) -> None:
    response = client.post("/summarize", content=b"", headers={"content-type": "application/json"})
    assert_error(response, 422, "validation_error")
    assert "required" in response.json()["error"]


def test_error_message_names_the_field(client: TestClient) -> None:
    response = client.post("/summarize", json={"text": "نص", "max_sections": 40})
    assert "max_sections" in response.json()["error"]


def test_body_over_limit_gets_413_before_parsing(client: TestClient) -> None:
    limit = client.app.state.khulasa.settings.max_body_bytes  # type: ignore[attr-defined]
    huge = "أ" * limit  # two bytes per letter in UTF-8
    assert_error(client.post("/summarize", json={"text": huge}), 413, "payload_too_large")
    assert_error(client.post("/translate", json={"q": huge}), 413, "payload_too_large")
    assert client.get("/health").status_code == 200


def test_streamed_body_over_limit_gets_413(client: TestClient) -> None:
    limit = client.app.state.khulasa.settings.max_body_bytes  # type: ignore[attr-defined]

    def chunks():  # type: ignore[no-untyped-def]
        for _ in range(limit // 1000 + 2):
            yield b"x" * 1000

    response = client.post("/summarize", content=chunks(), headers={"content-type": "application/json"})
    assert_error(response, 413, "payload_too_large")


def test_unknown_route_and_wrong_method_are_json(client: TestClient) -> None:
    assert_error(client.get("/nope"), 404, "not_found")
    assert_error(client.get("/summarize"), 405, "method_not_allowed")


def test_requests_before_models_load_get_503(tiny_settings: Settings) -> None:
    # Without entering the context manager the lifespan never runs: the models are not loaded.
    client = TestClient(create_app(tiny_settings))
    assert client.get("/health").status_code == 200
    assert_error(client.get("/ready"), 503, "not_ready")
    assert_error(client.post("/summarize", json={"text": "نص"}), 503, "not_ready")
    assert_error(client.post("/translate", json={"q": "نص"}), 503, "not_ready")


@pytest.mark.slow  # the default backend converts the good model first (CTranslate2, when installed): seconds
def test_failed_model_load_keeps_answering_503_with_reason(tmp_path: Path, tiny_models: Path) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "config.json").write_text((tiny_models / "translator" / "config.json").read_text())
    settings = Settings(summarizer=str(tiny_models / "summarizer"), translator=str(broken), device="cpu")
    reasons: list[str] = []
    with TestClient(create_app(settings, on_fatal=reasons.append)) as client:
        deadline = time.monotonic() + 30
        while not reasons and time.monotonic() < deadline:
            time.sleep(0.01)
        response = client.get("/ready")
        assert_error(response, 503, "not_ready")
        assert str(broken) in response.json()["error"]
        assert len(reasons) == 1 and str(broken) in reasons[0]


def test_overload_maps_to_429(tiny_settings: Settings, engines: Engines) -> None:
    settings = tiny_settings.model_copy(update={"max_queue": 0})
    with TestClient(create_app(settings, engines=engines)) as client:
        wait_ready(client)
        state = client.app.state.khulasa  # type: ignore[attr-defined]
        state.batcher.running = ["busy"]  # a batch is being computed and none may wait
        response = client.post("/translate", json={"q": "نص"})
        assert_error(response, 429, "overloaded")
        assert response.headers["retry-after"] == "1"
        assert response.json()["error"].startswith("Slowdown: ")  # LibreTranslate's words, on its route
        assert client.post("/translate", json={"q": "نص", "alternatives": 2}).status_code == 429
        state.batcher.running = []
        assert client.post("/translate", json={"q": "نص"}).status_code == 200
