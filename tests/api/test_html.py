"""`html` instead of `text` on /segment and /summarize: the same answer as for the extracted text, which it carries.

Slow: the app reads pages in a worker process, and starting one takes seconds on a busy machine.
"""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from service.api.app import create_app
from service.config import Settings
from service.engines.factory import Engines
from service.text.extract import extract_article
from tests.api.test_errors import assert_error
from tests.conftest import wait_ready
from tests.pages import natural_articles, news_page

pytestmark = pytest.mark.slow

TEXT = "وصل الوفد إلى القاهرة صباح اليوم.\n\nوبدأ الاجتماع بعد الظهر."


@pytest.fixture(scope="module")
def pages_client(tiny_settings: Settings, engines: Engines) -> Iterator[TestClient]:
    """One app for the module: its page reader starts one worker process, which the tests share."""
    with TestClient(create_app(tiny_settings, engines=engines)) as client:
        wait_ready(client)
        yield client


def test_segment_of_a_page_equals_segment_of_its_extracted_text(pages_client: TestClient) -> None:
    for article in natural_articles()[:8]:
        page = news_page(article, subheading="تفاصيل الحادث")
        from_page = pages_client.post("/segment", json={"html": page})
        assert from_page.status_code == 200, from_page.text
        body = from_page.json()
        text = body.pop("text")
        assert text == extract_article(page).text
        assert body == pages_client.post("/segment", json={"text": text}).json()
        assert body["title"]["text"] == article.title
        for section in body["sections"]:
            assert text[section["start"] : section["end"]] == section["text"]


@pytest.mark.parametrize("summary", ["abstractive", "extractive"])
def test_summarize_of_a_page_carries_the_text_its_offsets_index(pages_client: TestClient, summary: str) -> None:
    page = news_page(natural_articles()[0])
    answer = pages_client.post("/summarize", json={"html": page, "summary": summary})
    assert answer.status_code == 200, answer.text
    digest = answer.json()
    text = digest["text"]
    as_text = pages_client.post("/summarize", json={"text": text, "summary": summary}).json()
    assert "text" not in as_text  # an answer to `text` is as it always was
    assert [s["text"] for s in digest["sections"]] == [s["text"] for s in as_text["sections"]]
    assert [s["summary"] for s in digest["sections"]] == [s["summary"] for s in as_text["sections"]]
    for section in digest["sections"]:
        assert text[section["start"] : section["end"]] == section["text"]


@pytest.mark.parametrize(
    "body",
    [
        {"text": TEXT, "html": f"<p>{TEXT}</p>"},
        {},
        {"html": ""},
        {"html": "   "},
        {"html": 7},
        {"html": ["<p>نص</p>"]},
        {"text": TEXT, "summary": "both"},
        {"text": None, "html": None},
    ],
    ids=["both", "neither", "empty-html", "blank-html", "number", "list", "unknown-mode", "nulls"],
)
def test_malformed_requests_get_a_clear_422(pages_client: TestClient, body: dict[str, object]) -> None:
    for route in ("/summarize", "/segment"):
        if route == "/segment" and "summary" in body:
            continue
        assert_error(pages_client.post(route, json=body), 422, "validation_error")


def test_both_text_and_html_names_the_rule(pages_client: TestClient) -> None:
    answer = pages_client.post("/segment", json={"text": TEXT, "html": "<p>x</p>"})
    assert "exactly one of `text`" in answer.json()["error"]


@pytest.mark.parametrize(
    ("page", "kind"),
    [
        ("<html><body><nav><a href='/'>الرئيسية</a></nav></body></html>", "no_article"),
        ("<html><body>" + "<div>" * 15_000 + "<p>نص</p>" + "</div>" * 15_000 + "</body></html>", "no_article"),
        (
            "<html><body><article>"
            + "<p>The delegation arrived in Cairo this morning and the talks began at noon.</p>" * 5
            + "</article></body></html>",
            "not_arabic",
        ),
    ],
    ids=["navigation-only", "deeply-nested", "english-article"],
)
def test_page_without_an_arabic_article_is_422(pages_client: TestClient, page: str, kind: str) -> None:
    for route in ("/summarize", "/segment"):
        assert_error(pages_client.post(route, json={"html": page}), 422, kind)


def test_a_page_that_outlasts_its_time_is_stopped_with_422_and_the_next_page_works(
    tiny_settings: Settings, engines: Engines
) -> None:
    settings = tiny_settings.model_copy(update={"html_timeout_s": 3.0, "max_body_bytes": 8_000_000})
    slow = "<html><body>" + "<span>كلمة</span>" * 150_000 + "</body></html>"  # a minute of trafilatura's time
    with TestClient(create_app(settings, engines=engines)) as client:
        wait_ready(client)
        assert client.post("/segment", json={"html": news_page(natural_articles()[0])}).status_code == 200
        assert_error(client.post("/segment", json={"html": slow}), 422, "page_too_complex")
        assert client.post("/segment", json={"html": news_page(natural_articles()[1])}).status_code == 200
