"""LibreTranslate's own API tests (LibreTranslate/LibreTranslate, libretranslate/tests/test_api), ported to
Arabic to English and run over every body encoding its clients use; then what Khulasa adds to the contract.

Not ported: "missing source/target parameter" (Khulasa defaults to the one pair it has, ar->en), the translation
cache, Spanish to English, and a 500 made by patching LibreTranslate's internals.
"""

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.engines.base import translate_texts, translate_texts_with_alternatives
from service.engines.factory import Engines

HELLO = "مرحبا"
SENTENCE = "هذه جملة مكتوبة باللغة العربية لأغراض الاختبار"
SEND: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "form": lambda fields: {"data": fields},
    "json": lambda fields: {"json": fields},
    "multipart": lambda fields: {"files": {name: (None, str(value)) for name, value in fields.items()}},
    "query": lambda fields: {"params": fields},
}
# LibreTranslate's tests post a form where they take a single text; a list of texts only travels as JSON.
FLAT = list(SEND)


def post(client: TestClient, path: str, encoding: str, fields: dict[str, Any]) -> Any:
    return client.post(path, **SEND[encoding](fields))


def assert_error(response: Any, status: int, message: str | None = None) -> None:
    assert response.status_code == status, response.text
    assert "error" in response.json()
    if message is not None:
        assert response.json()["error"] == message


@pytest.mark.parametrize("encoding", FLAT)
def test_api_translate(client: TestClient, encoding: str) -> None:
    response = post(client, "/translate", encoding, {"q": HELLO, "source": "ar", "target": "en", "format": "text"})
    assert response.status_code == 200 and "translatedText" in response.json()


def test_api_translate_batch(client: TestClient) -> None:
    response = client.post(
        "/translate", json={"q": [HELLO, "العالم"], "source": "ar", "target": "en", "format": "text"}
    )
    assert response.status_code == 200
    assert isinstance(response.json()["translatedText"], list) and len(response.json()["translatedText"]) == 2


@pytest.mark.parametrize("encoding", FLAT)
@pytest.mark.parametrize(("source", "target"), [("ar", "zz"), ("zz", "en")])
def test_api_translate_unsupported_language(client: TestClient, encoding: str, source: str, target: str) -> None:
    response = post(client, "/translate", encoding, {"q": HELLO, "source": source, "target": target})
    assert_error(response, 400, "zz is not supported")


@pytest.mark.parametrize("encoding", FLAT)
def test_api_translate_missing_parameter(client: TestClient, encoding: str) -> None:
    response = post(client, "/translate", encoding, {"source": "ar", "target": "en", "format": "text"})
    assert_error(response, 400, "Invalid request: missing q parameter")


@pytest.mark.parametrize("encoding", FLAT)
def test_api_translate_unsupported_format(client: TestClient, encoding: str) -> None:
    response = post(client, "/translate", encoding, {"q": HELLO, "source": "ar", "target": "en", "format": "xml"})
    assert_error(response, 400, "xml format is not supported")


@pytest.mark.parametrize("encoding", FLAT)
def test_api_translate_invalid_alternatives(client: TestClient, encoding: str) -> None:
    response = post(client, "/translate", encoding, {"q": HELLO, "source": "ar", "target": "en", "alternatives": "abc"})
    assert_error(response, 400, "Invalid request: alternatives parameter is not a number")


@pytest.mark.parametrize("encoding", FLAT)
def test_api_translate_alternatives(client: TestClient, encoding: str) -> None:
    response = post(client, "/translate", encoding, {"q": SENTENCE, "source": "ar", "target": "en", "alternatives": 3})
    assert response.status_code == 200
    assert "translatedText" in response.json() and isinstance(response.json()["alternatives"], list)


@pytest.mark.parametrize("encoding", FLAT)
def test_api_translate_auto_detect_source(client: TestClient, encoding: str) -> None:
    response = post(client, "/translate", encoding, {"q": SENTENCE, "source": "auto", "target": "en"})
    assert response.status_code == 200 and "translatedText" in response.json()
    assert response.json()["detectedLanguage"]["language"] == "ar"
    assert response.json()["detectedLanguage"]["confidence"] > 0


@pytest.mark.parametrize("encoding", FLAT)
def test_api_translate_html_format(client: TestClient, encoding: str) -> None:
    response = post(client, "/translate", encoding, {"q": f"<p>{HELLO}</p>", "source": "ar", "format": "html"})
    assert response.status_code == 200
    assert "<p>" in response.json()["translatedText"] and "</p>" in response.json()["translatedText"]


@pytest.mark.parametrize("encoding", FLAT)
def test_api_translate_non_translatable_returns_source(client: TestClient, encoding: str) -> None:
    response = post(client, "/translate", encoding, {"q": "😀", "source": "ar", "target": "en"})
    assert response.status_code == 200 and response.json()["translatedText"] == "😀"


def test_api_translate_empty_batch(client: TestClient) -> None:
    response = client.post("/translate", json={"q": [], "source": "ar", "target": "en"})
    assert_error(response, 400, "Invalid request: missing q parameter")


def test_api_translate_invalid_json_body(client: TestClient) -> None:
    assert_error(client.post("/translate", json=["not", "a", "dict"]), 400, "Invalid JSON format")


def test_api_translate_batch_html(client: TestClient) -> None:
    body = {"q": [f"<p>{HELLO}</p>", "<p>العالم</p>"], "source": "ar", "target": "en", "format": "html"}
    response = client.post("/translate", json=body)
    assert response.status_code == 200
    assert isinstance(response.json()["translatedText"], list) and "<p>" in response.json()["translatedText"][0]


def test_api_translate_batch_non_translatable(client: TestClient) -> None:
    response = client.post("/translate", json={"q": ["😀", "😁"], "source": "ar", "target": "en"})
    assert response.status_code == 200 and response.json()["translatedText"] == ["😀", "😁"]


def test_api_translate_batch_alternatives(client: TestClient) -> None:
    response = client.post(
        "/translate", json={"q": [HELLO, "العالم"], "source": "ar", "target": "en", "alternatives": 2}
    )
    assert response.status_code == 200
    assert isinstance(response.json()["alternatives"], list) and len(response.json()["alternatives"]) == 2


def test_api_translate_batch_auto_detect(client: TestClient) -> None:
    response = client.post("/translate", json={"q": ["صباح الخير", "مرحبا هناك"], "source": "auto", "target": "en"})
    assert response.status_code == 200
    assert len(response.json()["detectedLanguage"]) == 2
    assert all(found["language"] == "ar" for found in response.json()["detectedLanguage"])


@pytest.mark.parametrize("encoding", FLAT)
def test_api_detect_language(client: TestClient, encoding: str) -> None:
    response = post(client, "/detect", encoding, {"q": HELLO})
    assert response.status_code == 200 and len(response.json()) >= 1
    assert "confidence" in response.json()[0] and "language" in response.json()[0]


def test_api_detect_language_must_fail_without_parameters(client: TestClient) -> None:
    assert_error(client.post("/detect"), 400, "Invalid request: missing q parameter")


def test_api_detect_language_must_fail_bad_request_type(client: TestClient) -> None:
    assert client.get("/detect").status_code == 405


def test_api_detect_language_batch(client: TestClient) -> None:
    response = client.post("/detect", json={"q": [SENTENCE, "This is an English sentence"]})
    assert response.status_code == 200 and isinstance(response.json(), list) and len(response.json()) >= 1


def test_api_detect_language_json(client: TestClient) -> None:
    response = client.post("/detect", json={"q": SENTENCE})
    assert response.status_code == 200 and response.json()[0]["language"] == "ar"


def test_api_get_languages(client: TestClient) -> None:
    response = client.get("/languages")
    assert response.status_code == 200 and len(response.json()) >= 1
    assert "code" in response.json()[0] and "name" in response.json()[0]


def test_api_get_frontend_settings(client: TestClient) -> None:
    assert client.get("/frontend/settings").status_code == 200


def test_api_get_spec(client: TestClient) -> None:
    assert client.get("/spec").status_code == 200


def test_api_get_spec_must_fail_bad_request_type(client: TestClient) -> None:
    assert client.post("/spec").status_code == 405


# What Khulasa's contract adds to the ported cases.


@pytest.mark.slow  # a translation per encoding: over a second
def test_every_encoding_gives_the_same_translation(client: TestClient, engines: Engines) -> None:
    expected = translate_texts(engines.translator.translate_batch, [HELLO])[0]
    for encoding in SEND:
        assert post(client, "/translate", encoding, {"q": HELLO}).json() == {"translatedText": expected}


def test_the_body_wins_over_the_query_string_which_fills_in_the_rest(client: TestClient) -> None:
    response = client.post("/translate?format=xml&alternatives=abc", data={"q": HELLO, "format": "text"})
    assert_error(response, 400, "Invalid request: alternatives parameter is not a number")
    response = client.post("/translate?q=unused&target=zz", json={"q": HELLO})
    assert_error(response, 400, "zz is not supported")


def test_unknown_fields_are_ignored_on_the_libretranslate_routes_only(client: TestClient) -> None:
    extras = {"q": HELLO, "apiKey": "x", "secret": "y", "glossary": "z"}
    assert client.post("/translate", json=extras).status_code == 200
    assert client.post("/detect", data=extras).status_code == 200
    assert client.post("/segment", json={"text": SENTENCE, "apiKey": "x"}).status_code == 422


@pytest.mark.slow  # beam search with alternatives: seconds
def test_alternatives_come_from_the_beam_and_differ_from_the_translation(client: TestClient, engines: Engines) -> None:
    texts = [f"وصل الوفد. {HELLO}", "😀", HELLO]
    expected, alternatives = translate_texts_with_alternatives(engines.translator, texts, 3)
    answer = client.post("/translate", json={"q": texts, "alternatives": "3"}).json()
    assert answer["translatedText"][::2] == expected[::2] and answer["translatedText"][1] == "😀"
    assert answer["alternatives"] == [alternatives[0], [], alternatives[2]]
    for translation, found in zip(answer["translatedText"], answer["alternatives"], strict=True):
        assert len(found) <= 3 and len(set(found)) == len(found) and translation not in found
    assert answer["alternatives"][0], "a tiny model's beam has runners-up"
    assert client.post("/translate", json={"q": HELLO, "alternatives": 0}).json().keys() == {"translatedText"}


def test_html_alternatives_keep_the_markup(client: TestClient) -> None:
    source = f"<p class='lead'>وصل الوفد.</p>\n<ul><li>{HELLO}</li></ul>"
    answer = client.post("/translate", data={"q": source, "format": "html", "alternatives": "2"}).json()
    for html in [answer["translatedText"], *answer["alternatives"]]:
        assert html.startswith("<p class='lead'>") and "</p>\n<ul><li>" in html and html.endswith("</li></ul>")


def test_html_markup_is_kept_and_escaped_text_stays_text(client: TestClient) -> None:
    source = f"<b>{HELLO}</b> &lt;script&gt;alert(1)&lt;/script&gt; <script>var x = '{HELLO}';</script>"
    translated = client.post("/translate", data={"q": source, "format": "html"}).json()["translatedText"]
    assert translated.startswith("<b>") and translated.endswith(f"<script>var x = '{HELLO}';</script>")
    assert translated.count("<script>") == 1, "escaped text must not come back as a live tag"


def test_detect_confidence_is_the_share_of_arabic_letters(client: TestClient) -> None:
    assert client.post("/detect", data={"q": "وصل AB"}).json() == [{"confidence": 60.0, "language": "ar"}]
    assert client.post("/detect", data={"q": "2024"}).json() == [{"confidence": 0.0, "language": "ar"}]


def test_frontend_settings_tell_the_pair_and_the_limit(client: TestClient) -> None:
    settings = client.get("/frontend/settings").json()
    assert settings["language"] == {
        "source": {"code": "ar", "name": "Arabic"},
        "target": {"code": "en", "name": "English"},
    }
    assert settings["charLimit"] == client.app.state.khulasa.settings.max_text_chars  # type: ignore[attr-defined]
    assert settings["keyRequired"] is False


def test_spec_is_the_openapi_document(client: TestClient) -> None:
    assert client.get("/spec").json() == client.get("/openapi.json").json()
