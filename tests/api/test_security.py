"""API keys, CORS, request fields that could name files or models, and article text kept out of the logs."""

import logging
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from service.api.app import create_app
from service.api.auth import key_matches
from service.config import Settings
from service.engines.factory import Engines
from tests.api.test_errors import assert_error
from tests.conftest import wait_ready

TEXT = "وصل الوفد إلى القاهرة صباح اليوم.\n\nوبدأ الاجتماع بعد الظهر."
KEYS = ["first-key", "second-key"]
GUARDED = [
    ("POST", "/summarize", {"text": TEXT}),
    ("POST", "/segment", {"text": TEXT}),
    ("POST", "/translate", {"q": "وصل الوفد."}),
    ("POST", "/detect", {"q": "وصل الوفد."}),
    ("GET", "/info", None),
    ("GET", "/metrics", None),
]
OPEN = ["/health", "/ready", "/languages", "/docs", "/openapi.json", "/frontend/settings", "/spec"]


@pytest.fixture
def keyed(tiny_settings: Settings, engines: Engines) -> Iterator[TestClient]:
    settings = tiny_settings.model_copy(update={"api_keys": KEYS})
    with TestClient(create_app(settings, engines=engines)) as client:
        wait_ready(client)
        yield client


def assert_unauthorized(response) -> None:  # type: ignore[no-untyped-def]
    assert_error(response, 401, "unauthorized")
    assert response.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize(("method", "path", "body"), GUARDED, ids=[path for _, path, _ in GUARDED])
def test_guarded_routes_need_one_of_the_keys(keyed: TestClient, method: str, path: str, body: object) -> None:
    assert_unauthorized(keyed.request(method, path, json=body))
    for wrong in ("Bearer nope", "Bearer first-key-and-more", "Basic Zmlyc3Qta2V5", "first-key", "Bearer "):
        assert_unauthorized(keyed.request(method, path, json=body, headers={"Authorization": wrong}))
    for key in KEYS:
        response = keyed.request(method, path, json=body, headers={"Authorization": f"Bearer {key}"})
        assert response.status_code == 200, response.text


@pytest.mark.parametrize("path", OPEN)
def test_health_ready_languages_and_docs_stay_open(keyed: TestClient, path: str) -> None:
    assert keyed.get(path).status_code == 200


def test_a_bad_body_without_a_key_learns_nothing_but_401(keyed: TestClient) -> None:
    assert_unauthorized(keyed.post("/summarize", json={"unknown": 1}))
    assert_unauthorized(keyed.post("/translate", json={"q": "Officials met."}))


@pytest.mark.parametrize("route", ["/translate", "/detect"])
def test_libretranslate_routes_take_api_key_from_body_form_or_query(keyed: TestClient, route: str) -> None:
    for key, status in (("second-key", 200), ("guess", 403)):
        for sent in ({"json": {"q": "وصل الوفد.", "api_key": key}}, {"data": {"q": "وصل الوفد.", "api_key": key}}):
            assert keyed.post(route, **sent).status_code == status  # type: ignore[arg-type]
        multipart = {"q": (None, "وصل الوفد."), "api_key": (None, key)}
        assert keyed.post(route, files=multipart).status_code == status
        assert keyed.post(route, params={"q": "وصل الوفد.", "api_key": key}).status_code == status
    # LibreTranslate's answer to a key that is none of the configured ones.
    assert keyed.post(route, data={"q": "نص", "api_key": "guess"}).json() == {
        "error": "Invalid API key",
        "type": "forbidden",
    }
    assert keyed.post(route, json={"q": "نص", "api_key": 7}).status_code == 403


def test_only_the_libretranslate_routes_read_a_key_from_the_body(keyed: TestClient) -> None:
    assert_unauthorized(keyed.post("/segment", json={"text": TEXT, "api_key": "first-key"}))


def test_without_keys_everything_is_open(client: TestClient) -> None:
    for method, path, body in GUARDED:
        assert client.request(method, path, json=body).status_code == 200


def test_key_matching_is_exact_and_never_raises() -> None:
    assert key_matches("second-key", KEYS)
    assert not key_matches("second-ke", KEYS) and not key_matches("", KEYS) and not key_matches("x", [])
    assert not key_matches("مفتاح\ud800", KEYS)  # non-ASCII and a lone surrogate compare, not crash


def test_cors_is_off_by_default(client: TestClient) -> None:
    origin = {"Origin": "https://newsroom.example"}
    assert "access-control-allow-origin" not in client.post("/segment", json={"text": TEXT}, headers=origin).headers
    preflight = client.options(
        "/summarize", headers={**origin, "Access-Control-Request-Method": "POST"}
    )  # no CORS middleware: the route knows no OPTIONS
    assert preflight.status_code == 405 and "access-control-allow-origin" not in preflight.headers


def test_cors_allows_the_configured_origins_only(tiny_settings: Settings, engines: Engines) -> None:
    settings = tiny_settings.model_copy(update={"cors_origins": ["https://newsroom.example"]})
    with TestClient(create_app(settings, engines=engines)) as client:
        asking = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization"}
        allowed = client.options("/summarize", headers={"Origin": "https://newsroom.example", **asking})
        assert allowed.status_code == 200
        assert allowed.headers["access-control-allow-origin"] == "https://newsroom.example"
        assert "authorization" in allowed.headers["access-control-allow-headers"].lower()
        refused = client.options("/summarize", headers={"Origin": "https://elsewhere.example", **asking})
        assert "access-control-allow-origin" not in refused.headers
        origin = {"Origin": "https://newsroom.example"}
        answer = client.post("/segment", json={"text": TEXT}, headers=origin)
        assert answer.status_code == 200 and answer.headers["access-control-allow-origin"] == origin["Origin"]
        # The page may read when to retry and whether an answer came from the cache (not safelisted headers).
        exposed = {name.strip().lower() for name in answer.headers["access-control-expose-headers"].split(",")}
        assert {"retry-after", "x-khulasa-cache"} <= exposed
        # Errors raised before any route runs carry the header too, so a browser can read them.
        refused_type = client.post("/segment", content=b"x", headers={**origin, "content-type": "text/plain"})
        assert refused_type.status_code == 415 and "access-control-allow-origin" in refused_type.headers


def test_cors_star_lets_any_page_call_the_libretranslate_routes(tiny_settings: Settings, engines: Engines) -> None:
    settings = tiny_settings.model_copy(update={"cors_origins": Settings(cors_origins="*").cors_origins})  # type: ignore[arg-type]
    with TestClient(create_app(settings, engines=engines)) as client:
        wait_ready(client)
        origin = {"Origin": "https://any.example"}
        asking = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}
        preflight = client.options("/translate", headers={**origin, **asking})
        assert preflight.status_code == 200 and preflight.headers["access-control-allow-origin"] == "*"
        answer = client.post("/translate", data={"q": "وصل الوفد."}, headers=origin)
        assert answer.status_code == 200 and answer.headers["access-control-allow-origin"] == "*"
        refused = client.post("/detect", data={}, headers=origin)
        assert refused.status_code == 400 and refused.headers["access-control-allow-origin"] == "*"


def test_no_request_field_can_name_a_file_or_a_model(client: TestClient) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    requests = {name: schemas[name] for name in ("SummarizeRequest", "SegmentRequest")}
    fields = {name: set(schema["properties"]) for name, schema in requests.items()}
    # `html` is a page's markup and `summary` one of two words: neither can name a file or a model.
    assert fields == {
        "SummarizeRequest": {"text", "html", "title", "max_sections", "summary"},
        "SegmentRequest": {"text", "html", "max_sections"},
    }
    summary = requests["SummarizeRequest"]["properties"]["summary"]["anyOf"][0]
    assert set(summary["enum"]) == {"abstractive", "extractive"}
    assert all(schema["additionalProperties"] is False for schema in requests.values())
    paths = client.get("/openapi.json").json()["paths"]
    translate = paths["/translate"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert set(translate["properties"]) == {"q", "source", "target", "format", "api_key", "alternatives"}
    plain = client.post("/translate", json={"q": "وصل الوفد."}).json()
    for field in ("model", "summarizer", "translator", "path", "checkpoint", "revision", "device"):
        assert_error(client.post("/summarize", json={"text": TEXT, field: "/etc/passwd"}), 422, "validation_error")
        # LibreTranslate's routes ignore fields they do not know, as LibreTranslate does: no effect at all.
        assert client.post("/translate", json={"q": "وصل الوفد.", field: "../models"}).json() == plain


def test_logs_hold_no_article_text_at_info(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    marker = "ماركرسري"  # a word that occurs nowhere but in these requests
    text = f"{marker} وصل الوفد إلى القاهرة.\n\n{marker} وبدأ الاجتماع بعد الظهر."
    with caplog.at_level(logging.DEBUG):
        assert client.post("/summarize", json={"text": text, "title": marker}).status_code == 200
        assert client.post("/segment", json={"text": text}).status_code == 200
        assert client.post("/translate", json={"q": [text, marker]}).status_code == 200
        assert (
            client.post(
                "/summarize", json={"text": f"{marker} Officials met in Cairo on Thursday to discuss the ceasefire."}
            ).status_code
            == 422
        )
        assert client.post("/summarize", json={"text": text, "bogus": marker}).status_code == 422
    # The engines log each generate call at debug: the capture sees the service's lines.
    assert any(record.name.startswith("service.") for record in caplog.records)
    leaks = [record for record in caplog.records if record.levelno >= logging.INFO and marker in record.getMessage()]
    assert leaks == []


def test_openapi_declares_bearer_auth_only_when_keys_are_set(client: TestClient, keyed: TestClient) -> None:
    def guarded(schema: dict) -> dict[str, bool]:  # type: ignore[type-arg]
        return {
            f"{method.upper()} {path}": "security" in operation and "401" in operation["responses"]
            for path, operations in schema["paths"].items()
            for method, operation in operations.items()
        }

    with_keys = guarded(keyed.get("/openapi.json").json())
    assert {name for name, needs_key in with_keys.items() if needs_key} == {
        f"{method} {path}" for method, path, _ in GUARDED
    }
    open_schema = client.get("/openapi.json").json()
    assert not any(guarded(open_schema).values()) and "securitySchemes" not in open_schema.get("components", {})
