"""POST /translate, LibreTranslate-compatible."""

import pytest
from fastapi.testclient import TestClient

from service.engines.factory import Engines

SENTENCES = ["وصل الوفد إلى القاهرة.", "بدأ الاجتماع ظهرا.", "هل ستنجح المفاوضات؟"]


def test_list_of_three_returns_three_in_order(client: TestClient, engines: Engines) -> None:
    response = client.post("/translate", json={"q": SENTENCES, "source": "ar", "target": "en"})
    assert response.status_code == 200
    translated = response.json()["translatedText"]
    assert translated == engines.translator.translate_batch(SENTENCES)
    assert len(translated) == 3 and all(text.strip() for text in translated)


def test_single_string_returns_single_string(client: TestClient, engines: Engines) -> None:
    response = client.post("/translate", json={"q": SENTENCES[0], "source": "ar", "target": "en"})
    assert response.json() == {"translatedText": engines.translator.translate_batch(SENTENCES[:1])[0]}


def test_auto_source_adds_the_detected_language(client: TestClient, engines: Engines) -> None:
    one = client.post("/translate", json={"q": SENTENCES[0], "source": "auto", "target": "en"}).json()
    assert one == {
        "translatedText": engines.translator.translate_batch(SENTENCES[:1])[0],
        "detectedLanguage": {"confidence": 100.0, "language": "ar"},
    }
    mixed = client.post("/translate", json={"q": ["وصل AB", "2024"], "source": "auto"}).json()
    assert mixed["detectedLanguage"] == [{"confidence": 60.0, "language": "ar"}, {"confidence": 0.0, "language": "ar"}]


def test_multi_sentence_text_keeps_its_line_breaks(client: TestClient) -> None:
    text = f"{SENTENCES[0]} {SENTENCES[1]}\n{SENTENCES[2]}"
    translated = client.post("/translate", json={"q": text}).json()["translatedText"]
    assert translated.count("\n") == 1


def test_empty_strings_translate_to_empty_strings(client: TestClient) -> None:
    assert client.post("/translate", json={"q": ["", SENTENCES[0], " "]}).json()["translatedText"][::2] == ["", ""]


@pytest.mark.parametrize(
    ("body", "status", "kind"),
    [
        ({"q": "نص", "source": "fr", "target": "en"}, 400, "invalid_input"),
        ({"q": "نص", "source": "ar", "target": "de"}, 400, "invalid_input"),
        ({"q": "نص", "format": "xml"}, 400, "invalid_input"),
        ({"q": 5}, 422, "validation_error"),
        ({"q": ["نص", 5]}, 422, "validation_error"),
        ({"q": "نص", "source": 5}, 422, "validation_error"),
        ({"text": "نص"}, 400, "invalid_input"),
        ({"q": "نص", "alternatives": 9}, 400, "invalid_input"),
        ({"q": "نص", "alternatives": -1}, 400, "invalid_input"),
        ({"q": "نص", "alternatives": "3 "}, 400, "invalid_input"),
        ({"q": "نص", "alternatives": True}, 422, "validation_error"),
    ],
)
def test_bad_translate_requests_get_json_errors(client: TestClient, body: dict, status: int, kind: str) -> None:
    response = client.post("/translate", json=body)
    assert response.status_code == status
    assert response.json()["type"] == kind and response.json()["error"]


def test_too_many_items_is_refused(client: TestClient) -> None:
    limit = client.app.state.khulasa.settings.max_translate_items  # type: ignore[attr-defined]
    response = client.post("/translate", json={"q": ["نص"] * (limit + 1)})
    assert response.status_code == 400 and str(limit) in response.json()["error"]


def test_languages_lists_what_translate_accepts(client: TestClient) -> None:
    listed = client.get("/languages").json()
    assert {"code": "ar", "name": "Arabic", "targets": ["en"]} in listed
    for language in listed:
        for target in language["targets"]:
            assert (
                client.post(
                    "/translate", json={"q": "وصل الوفد.", "source": language["code"], "target": target}
                ).status_code
                == 200
            )
