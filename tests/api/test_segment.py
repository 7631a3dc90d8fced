"""POST /segment: the text stages over HTTP, no models needed."""

from fastapi.testclient import TestClient

from service.api.app import create_app
from service.config import Settings
from tests.test_pipeline import ARTICLE


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
        assert set(section) == {"start", "end", "text", "keywords"}
        assert 1 <= len(section["keywords"]) <= 6


def test_segment_agrees_with_summarize(client: TestClient) -> None:
    segmented = client.post("/segment", json={"text": ARTICLE}).json()
    digest = client.post("/summarize", json={"text": ARTICLE}).json()
    assert [(s["start"], s["end"]) for s in segmented["sections"]] == [
        (s["start"], s["end"]) for s in digest["sections"]
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
