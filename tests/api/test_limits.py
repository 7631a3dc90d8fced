"""Request limits: text length, sections, content type and the body deadline, each a JSON error naming the limit."""

import asyncio
import json

import pytest
from fastapi.testclient import TestClient
from starlette.types import Message, Receive, Scope, Send

from service.api.intake import BodyDeadlineMiddleware, is_json_media_type
from service.api.schemas import MAX_SECTIONS
from tests.api.test_errors import assert_error

# Mostly digits and spaces, so a text over the character limit still fits the body limit; Arabic by its letters.
LONG_TEXT = "وصل الوفد " + "2024 " * 20_000


def test_text_over_the_character_limit_gets_422_naming_it(client: TestClient) -> None:
    limit = client.app.state.khulasa.settings.max_text_chars  # type: ignore[attr-defined]
    assert len(LONG_TEXT) > limit
    for route, body in [("/summarize", {"text": LONG_TEXT}), ("/segment", {"text": LONG_TEXT})]:
        response = client.post(route, json=body)
        assert_error(response, 422, "text_too_long")
        assert f"{limit:,}" in response.json()["error"] and "KHULASA_MAX_TEXT_CHARS" in response.json()["error"]


def test_translate_limit_counts_every_item_together(client: TestClient) -> None:
    limit = client.app.state.khulasa.settings.max_text_chars  # type: ignore[attr-defined]
    half = LONG_TEXT[: limit // 2 + 10]
    response = client.post("/translate", json={"q": [half, half]})
    assert_error(response, 422, "text_too_long")
    assert response.json()["error"].startswith(f"q is {2 * len(half):,} characters")


def test_text_at_the_limit_is_accepted(client: TestClient) -> None:
    limit = client.app.state.khulasa.settings.max_text_chars  # type: ignore[attr-defined]
    response = client.post("/segment", json={"text": LONG_TEXT[:limit]})
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("route", ["/summarize", "/segment"])
def test_max_sections_out_of_range_names_the_limit(client: TestClient, route: str) -> None:
    response = client.post(route, json={"text": "نص", "max_sections": MAX_SECTIONS + 1})
    assert_error(response, 422, "validation_error")
    assert "max_sections" in response.json()["error"] and str(MAX_SECTIONS) in response.json()["error"]


def test_without_max_sections_the_answer_still_has_at_most_twelve(client: TestClient) -> None:
    # 2,000 short lines of rotating words: the text alone would give far more than twelve sections.
    text = "\n".join(f"كلمة{index % 97} أخرى{index % 13}" for index in range(2_000))
    sections = client.post("/segment", json={"text": text}).json()["sections"]
    assert 1 <= len(sections) <= MAX_SECTIONS
    assert sections[-1]["end"] == len(text)


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/xml", ""],
)
def test_body_that_is_not_json_gets_415(client: TestClient, content_type: str) -> None:
    # LibreTranslate's routes read forms too (tests/api/test_libretranslate.py); other types they refuse as well.
    libretranslate = ("/translate", "/detect") if content_type in ("text/plain", "application/xml", "") else ()
    for route in ("/summarize", "/segment", *libretranslate):
        response = client.post(route, content=b'{"text": "\xd9\x86\xd8\xb5"}', headers={"content-type": content_type})
        assert_error(response, 415, "unsupported_media_type")
        assert "application/json" in response.json()["error"]


@pytest.mark.parametrize(
    "content_type", ["application/json", "application/json; charset=utf-8", "Application/JSON", "application/x+json"]
)
def test_json_media_types_are_read(client: TestClient, content_type: str) -> None:
    body = json.dumps({"text": "وصل الوفد."}).encode()
    response = client.post("/segment", content=body, headers={"content-type": content_type})
    assert response.status_code == 200, response.text


def test_body_without_content_type_gets_415(client: TestClient) -> None:
    request = client.build_request("POST", "/segment", content=json.dumps({"text": "وصل الوفد."}).encode())
    assert "content-type" not in request.headers
    response = client.send(request)
    assert_error(response, 415, "unsupported_media_type")
    assert response.json()["error"] == "the body must be sent as application/json; it came without Content-Type"


def test_media_type_check() -> None:
    assert is_json_media_type("application/json;charset=UTF-8")
    assert is_json_media_type("application/problem+json")
    assert not is_json_media_type("text/json-ish")
    assert not is_json_media_type("application/jsonp")


async def _call(app: BodyDeadlineMiddleware, chunks: list[tuple[float, bytes]]) -> list[Message]:
    """Run `app` on a POST whose body arrives as (delay before it, bytes) chunks; the messages it sends."""
    pending = list(chunks)

    async def receive() -> Message:
        if not pending:
            await asyncio.sleep(3600)  # a client that has sent everything waits for its answer
        delay, chunk = pending.pop(0)
        await asyncio.sleep(delay)
        return {"type": "http.request", "body": chunk, "more_body": bool(pending)}

    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/segment", "headers": []}
    await app(scope, receive, send)
    return sent


async def _echo(scope: Scope, receive: Receive, send: Send) -> None:
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": body})


def test_body_arriving_within_the_deadline_is_passed_on_whole() -> None:
    app = BodyDeadlineMiddleware(_echo, seconds=5.0)
    sent = asyncio.run(_call(app, [(0.01, b"ab"), (0.01, b"c"), (0.01, b"d")]))
    assert sent[0]["status"] == 200 and sent[1]["body"] == b"abcd"


def test_body_past_the_deadline_gets_408_and_the_app_is_stopped() -> None:
    app = BodyDeadlineMiddleware(_echo, seconds=0.2)
    sent = asyncio.run(_call(app, [(0.05, b"a"), (0.05, b"b"), (0.3, b"c"), (0.0, b"d")]))
    assert [message["type"] for message in sent] == ["http.response.start", "http.response.body"]
    assert sent[0]["status"] == 408 and (b"connection", b"close") in sent[0]["headers"]
    assert json.loads(sent[1]["body"]) == {
        "error": "the request body did not arrive within 0.2 s",
        "type": "request_timeout",
    }


def test_info_reports_every_limit(client: TestClient) -> None:
    info = client.get("/info").json()
    assert info["limits"] == {
        "max_body_bytes": 200_000,
        "max_queue": 16,
        "max_text_chars": 100_000,
        "max_translate_items": 256,
        "max_sections": MAX_SECTIONS,
        "body_timeout_s": 30.0,
    }
    assert info["api_keys_required"] is False
