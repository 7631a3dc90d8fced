"""The extractive summary mode: sentences of the section at the offsets given; a server without a summarizer."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from service.api.app import create_app
from service.config import Settings
from service.engines.factory import Engines
from tests.api.test_errors import assert_error
from tests.conftest import wait_ready

TEXT = "وصل الوفد إلى القاهرة صباح اليوم.\n\nوبدأ الاجتماع بعد الظهر."


def test_extractive_summaries_are_sentences_of_their_sections_at_the_offsets_given(
    client: TestClient, reference_article: str
) -> None:
    answer = client.post("/summarize", json={"text": reference_article, "summary": "extractive"})
    assert answer.status_code == 200, answer.text
    digest = answer.json()
    for section in digest["sections"]:
        spans = section["summary"]["spans"]
        assert 1 <= len(spans) <= 3
        assert [s["start"] for s in spans] == sorted(s["start"] for s in spans)
        pieces = [reference_article[s["start"] : s["end"]] for s in spans]
        assert all(section["start"] <= s["start"] < s["end"] <= section["end"] for s in spans)
        assert section["summary"]["ar"] == " ".join(pieces)
        assert section["summary"]["en"]  # the translator's rendering of those sentences
    again = client.post("/summarize", json={"text": reference_article, "summary": "extractive"}).json()
    assert [s["summary"] for s in again["sections"]] == [s["summary"] for s in digest["sections"]]
    abstractive = client.post("/summarize", json={"text": TEXT}).json()
    assert all("spans" not in s["summary"] for s in abstractive["sections"])


@pytest.fixture
def extractive_server(tiny_models: Path) -> Iterator[TestClient]:
    """An app configured with KHULASA_SUMMARIZER=extractive, loading its engines itself (only the translator)."""
    settings = Settings(
        summarizer="extractive", translator=str(tiny_models / "translator"), device="cpu", backend="torch"
    )
    with TestClient(create_app(settings)) as client:
        wait_ready(client)
        yield client


def test_server_without_a_summarizer_model_gives_extractive_summaries(extractive_server: TestClient) -> None:
    info = extractive_server.get("/info").json()
    assert info["models"]["summarizer"]["id"] == "extractive"
    assert info["summary"] == {"default": "extractive", "modes": ["extractive"]}
    digest = extractive_server.post("/summarize", json={"text": TEXT})
    assert digest.status_code == 200, digest.text
    assert all(s["summary"]["spans"] for s in digest.json()["sections"])
    assert digest.json()["models"]["summarizer"] == "extractive"
    refused = extractive_server.post("/summarize", json={"text": TEXT, "summary": "abstractive"})
    assert_error(refused, 422, "summary_unavailable")
    assert "extractive" in refused.json()["error"]


def test_operator_default_summary_is_a_setting(tiny_settings: Settings, engines: Engines) -> None:
    settings = tiny_settings.model_copy(update={"summary": "extractive"})
    with TestClient(create_app(settings, engines=engines)) as client:
        wait_ready(client)
        default = client.post("/summarize", json={"text": TEXT}).json()
        assert all("spans" in s["summary"] for s in default["sections"])
        asked = client.post("/summarize", json={"text": TEXT, "summary": "abstractive"}).json()
        assert all("spans" not in s["summary"] for s in asked["sections"])
        assert client.get("/info").json()["summary"]["default"] == "extractive"


def test_abstractive_default_on_a_server_without_a_summarizer_is_a_settings_error() -> None:
    with pytest.raises(ValueError, match="summary=abstractive needs a summarizer model"):
        Settings(summarizer="extractive", summary="abstractive")
