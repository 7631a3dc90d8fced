"""POST /summarize through TestClient with the lifespan running."""

from fastapi.testclient import TestClient

from tests.test_pipeline import ARTICLE, ARTICLE_WITH_SUBHEADING, SUBHEADING


def test_summarize_returns_digest_with_valid_offsets(client: TestClient) -> None:
    response = client.post("/summarize", json={"text": ARTICLE})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"title", "sections", "removed", "models", "timing_ms"}
    assert body["sections"]
    for section in body["sections"]:
        assert set(section) == {"index", "start", "end", "text", "keywords", "heading", "confidence", "summary"}
        assert 0.0 <= section["confidence"] <= 1.0
        assert ARTICLE[section["start"] : section["end"]] == section["text"]
        assert section["heading"] is None
        assert section["summary"]["ar"].strip() and section["summary"]["en"].strip()
        assert all(isinstance(word, str) for word in section["keywords"])
    for removed in body["removed"]:
        assert ARTICLE[removed["start"] : removed["end"]] == removed["text"]
    assert body["models"]["summarizer"].endswith("summarizer")
    assert body["models"]["translator"].endswith("translator")


def test_summarize_names_the_subheading_a_section_opens_with(client: TestClient) -> None:
    body = client.post("/summarize", json={"text": ARTICLE_WITH_SUBHEADING}).json()
    assert [section["heading"] for section in body["sections"]] == [None, SUBHEADING]
    second = body["sections"][1]
    assert second["text"].startswith(SUBHEADING) and second["summary"]["en"].strip()


def test_offsets_count_characters_not_bytes_or_normalised_text(client: TestClient) -> None:
    # Diacritics, tatweel, a zero-width joiner and CRLF line ends must not shift offsets.
    text = "قالَ المســؤولُ\u200d إنّ الاجتماعَ سيُعقدُ غدًا في القاهرة.\r\n\r\nوأضافَ أنّ الوفودَ ستصلُ تباعًا."
    body = client.post("/summarize", json={"text": text}).json()
    for section in body["sections"]:
        assert text[section["start"] : section["end"]] == section["text"]


def test_max_sections_limits_the_answer(client: TestClient) -> None:
    body = client.post("/summarize", json={"text": ARTICLE, "max_sections": 1}).json()
    assert len(body["sections"]) == 1


def test_caller_title_is_translated(client: TestClient) -> None:
    body = client.post("/summarize", json={"text": ARTICLE, "title": "عنوان"}).json()
    assert body["title"]["ar"] == "عنوان" and body["title"]["en"].strip()


def test_text_without_arabic_is_refused_naming_arabic(client: TestClient) -> None:
    response = client.post("/summarize", json={"text": "Officials met in Cairo on Thursday."})
    assert response.status_code == 422
    assert response.json() == {
        "error": "Arabic text expected: 0% of the letters of text are Arabic (at least 20% needed)",
        "type": "not_arabic",
    }
