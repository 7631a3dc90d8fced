"""POST /segment: the text stages over HTTP, no models needed."""

from fastapi.testclient import TestClient

from service.api.app import create_app
from service.config import Settings
from tests.test_pipeline import ARTICLE, ARTICLE_WITH_SUBHEADING, SUBHEADING


def test_segment_returns_title_sections_and_removed_with_offsets(client: TestClient) -> None:
    response = client.post("/segment", json={"text": ARTICLE})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"title", "sections", "removed"}
    assert body["title"]["text"] == ARTICLE[body["title"]["start"] : body["title"]["end"]]
    assert body["sections"]
    for item in body["sections"] + body["removed"]:
        assert ARTICLE[item["start"] : item["end"]] == item["text"]
    for section in body["sections"]:
        assert set(section) == {"start", "end", "text", "keywords", "heading", "confidence"}
        assert 1 <= len(section["keywords"]) <= 6
        assert section["heading"] is None
        assert 0.0 <= section["confidence"] <= 1.0
    assert body["sections"][0]["confidence"] == 1.0


def test_segment_names_the_subheading_a_section_opens_with(client: TestClient) -> None:
    body = client.post("/segment", json={"text": ARTICLE_WITH_SUBHEADING}).json()
    assert [section["heading"] for section in body["sections"]] == [None, SUBHEADING]
    assert body["sections"][1]["text"].startswith(SUBHEADING)
    assert SUBHEADING not in [span["text"] for span in body["removed"]]


def test_segment_agrees_with_summarize(client: TestClient) -> None:
    segmented = client.post("/segment", json={"text": ARTICLE_WITH_SUBHEADING}).json()
    digest = client.post("/summarize", json={"text": ARTICLE_WITH_SUBHEADING}).json()
    assert [(s["start"], s["end"], s["heading"], s["confidence"]) for s in segmented["sections"]] == [
        (s["start"], s["end"], s["heading"], s["confidence"]) for s in digest["sections"]
    ]
    assert segmented["removed"] == digest["removed"]


def test_segment_answers_while_models_are_not_loaded(tiny_settings: Settings) -> None:
    client = TestClient(create_app(tiny_settings))  # lifespan not started: no models
    assert client.get("/ready").status_code == 503
    response = client.post("/segment", json={"text": ARTICLE, "max_sections": 1})
    assert response.status_code == 200 and len(response.json()["sections"]) == 1


def test_segment_validates_like_summarize(client: TestClient) -> None:
    for body in ({"text": " "}, {"text": 1}, {"text": "نص", "max_sections": 0}, {"text": "نص", "title": "x"}):
        response = client.post("/segment", json=body)
        assert response.status_code == 422 and response.json()["type"] == "validation_error"


def test_openapi_documents_the_heading_as_nullable_and_always_present(client: TestClient) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    for name in ("SegmentedSection", "Section"):
        heading = schemas[name]["properties"]["heading"]
        assert {"type": "null"} in heading["anyOf"] and "subheading" in heading["description"]
        assert "heading" in schemas[name]["required"]
