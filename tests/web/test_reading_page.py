"""The reading page shows a digest: a card per section, Arabic RTL beside English LTR, article text never as markup."""

import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Locator, Page

from tests.test_pipeline import ARTICLE_WITH_SUBHEADING, SUBHEADING

from .conftest import Visit, contrast_ratio, submit

pytestmark = pytest.mark.slow  # headless Chromium against a real uvicorn server

HOSTILE_ARTICLE = """وصل الوفد المصري إلى القاهرة صباح اليوم بعد جولة من المحادثات في عمان.

<img src=x onerror=alert(1)>

وقال المتحدث باسم الوفد إن المحادثات تناولت ملفات التجارة والطاقة والمياه. <script>alert(2)</script>

وفي الرياضة، فاز المنتخب الوطني على نظيره التونسي بهدفين مقابل هدف في مباراة ودية."""


def api_digest(base: str, text: str, max_sections: int | None = None) -> dict[str, Any]:
    response = httpx.post(f"{base}/summarize", json={"text": text, "max_sections": max_sections}, timeout=120)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def direction(block: Locator) -> str:
    return str(block.evaluate("node => getComputedStyle(node).direction"))


def without_timings(digest: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in digest.items() if key != "timing_ms"}


def markdown_escaped(text: str) -> str:
    # The page backslash-escapes Markdown's active characters so article text cannot become links or raw HTML.
    return re.sub(r"([\\`*_\[\]<>#|])", r"\\\1", text)


def test_reference_article_gives_one_card_per_section(visit: Visit, reference_article: str, tmp_path: Path) -> None:
    page = visit.page
    expected = api_digest(visit.base, reference_article)
    submit(page, reference_article)
    cards = page.locator("#cards .card")
    assert len(expected["sections"]) >= 2
    assert cards.count() == len(expected["sections"])
    for card, section in zip(cards.all(), expected["sections"], strict=True):
        assert section["heading"] is None  # the reference article has no subheadings
        assert card.locator("h3").text_content() == " · ".join(section["keywords"])
        arabic, english = card.locator(".block-ar"), card.locator(".block-en")
        assert (arabic.get_attribute("lang"), arabic.get_attribute("dir"), direction(arabic)) == ("ar", "rtl", "rtl")
        assert (english.get_attribute("lang"), english.get_attribute("dir"), direction(english)) == ("en", "ltr", "ltr")
        assert arabic.locator(".summary").text_content() == section["summary"]["ar"]
        assert english.locator(".summary").text_content() == section["summary"]["en"]
        # Side by side on a wide screen, Arabic on the right.
        ar_box, en_box = arabic.bounding_box(), english.bounding_box()
        assert ar_box and en_box and ar_box["x"] > en_box["x"] + en_box["width"] and ar_box["y"] == en_box["y"]
        source = card.locator(".source-text")
        assert source.text_content() == section["text"] and source.is_hidden()
        card.locator(".source summary").click()
        assert source.is_visible()
    removed = page.locator("#removed-list li")
    assert page.locator("#removed-count").text_content() == str(len(expected["removed"]))
    assert removed.all_text_contents() == [span["text"] for span in expected["removed"]]
    assert removed.first.is_hidden()  # folded until opened
    assert "total" in page.locator("#timings dt").all_text_contents()
    assert page.locator("#digest-title .title-ar").text_content() == expected["title"]["ar"]
    for selector in ("#status", ".eyebrow", ".card h3", ".block-ar h4", ".summary", "button.copy", "#timings dt"):
        assert contrast_ratio(page, selector) >= 4.5, selector
    screenshot = tmp_path / "reading-page.png"
    page.screenshot(path=str(screenshot), full_page=True)
    print(f"screenshot: {screenshot}")
    assert screenshot.stat().st_size > 10_000
    page.set_viewport_size({"width": 480, "height": 900})
    first = cards.first
    ar_box, en_box = first.locator(".block-ar").bounding_box(), first.locator(".block-en").bounding_box()
    assert ar_box and en_box and en_box["y"] >= ar_box["y"] + ar_box["height"]  # stacked, Arabic first
    assert visit.dialogs == []


def test_a_subheading_is_the_title_of_the_card_it_opens_with_the_keywords_under_it(visit: Visit) -> None:
    page = visit.page
    expected = api_digest(visit.base, ARTICLE_WITH_SUBHEADING)
    assert [section["heading"] for section in expected["sections"]] == [None, SUBHEADING]
    submit(page, ARTICLE_WITH_SUBHEADING)
    first, second = page.locator("#cards .card").all()
    assert first.locator("h3").text_content() == " · ".join(expected["sections"][0]["keywords"])
    assert first.locator("p.keywords").count() == 0
    title = second.locator("h3")
    assert title.text_content() == SUBHEADING
    assert (title.get_attribute("lang"), title.get_attribute("dir")) == ("ar", "rtl")
    assert second.get_attribute("aria-labelledby") == title.get_attribute("id")
    assert second.locator("p.keywords").text_content() == " · ".join(expected["sections"][1]["keywords"])
    assert contrast_ratio(page, ".card p.keywords") >= 4.5
    assert visit.dialogs == []


def test_downloads_and_copy_carry_the_digest(visit: Visit, reference_article: str) -> None:
    page = visit.page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    expected = api_digest(visit.base, reference_article, max_sections=2)
    submit(page, reference_article, max_sections="2")
    assert json.loads(str(visit.summarize_requests[-1].post_data))["max_sections"] == 2
    with page.expect_download() as json_download:
        page.click("#download-json")
    assert json_download.value.suggested_filename == "khulasa-digest.json"
    downloaded = json.loads(Path(json_download.value.path()).read_text(encoding="utf-8"))
    assert without_timings(downloaded) == without_timings(expected)
    with page.expect_download() as markdown_download:
        page.click("#download-markdown")
    markdown = Path(markdown_download.value.path()).read_text(encoding="utf-8")
    assert markdown.startswith(f"# {markdown_escaped(expected['title']['ar'])}\n")
    position = 0
    for section in expected["sections"]:
        for text in (section["keywords"][0], section["summary"]["ar"], section["summary"]["en"]):
            found = markdown.find(markdown_escaped(text), position)
            assert found >= position, text  # present, in digest order
            position = found
    page.get_by_role("button", name="Copy English, section 2").click()
    page.wait_for_function("() => document.getElementById('status').textContent.includes('Copied the English')")
    assert clipboard(page) == expected["sections"][1]["summary"]["en"]
    page.click("#copy-markdown")
    page.wait_for_function("() => document.getElementById('status').textContent.includes('Markdown')")
    assert clipboard(page) == markdown


def clipboard(page: Page) -> str:
    return str(page.evaluate("() => navigator.clipboard.readText()"))


def test_article_markup_is_shown_as_text_and_never_runs(visit: Visit) -> None:
    page = visit.page
    submit(page, HOSTILE_ARTICLE)
    assert page.locator("#results").is_visible()
    for details in page.locator("#results details").all():
        details.locator("summary").click()
    for markup in ("<img src=x onerror=alert(1)>", "<script>alert(2)</script>"):
        shown = page.locator("#results .source-text, #results .removed-text").filter(has_text=markup)
        assert shown.count() >= 1 and shown.first.is_visible(), markup
    # Nothing the article said became an element: the only images and scripts are the page's own.
    assert page.locator("#results img, #results script").count() == 0
    assert page.evaluate("() => document.querySelectorAll('img').length") == 0
    assert visit.dialogs == []
    assert page.title() == "Khulasa: an Arabic article as a bilingual digest"


def test_content_security_policy_stops_injected_inline_script(visit: Visit) -> None:
    # The second line of defence: were markup ever inserted as HTML, its inline script and handlers would not run.
    page = visit.page
    inject = """() => {
        const script = document.createElement("script");
        script.textContent = "window.injected = true";
        document.body.append(script);
    }"""
    with page.expect_console_message(lambda message: "Content Security Policy" in message.text):
        page.evaluate(inject)
    assert page.evaluate("() => window.injected") is None
    visit.blocked.clear()  # blocked on purpose here


def card_classes(card: Locator) -> set[str]:
    return set(str(card.get_attribute("class")).split())


def test_a_section_whose_opening_is_uncertain_is_marked_for_a_second_look(visit: Visit, reference_article: str) -> None:
    page = visit.page
    expected = api_digest(visit.base, reference_article)
    submit(page, reference_article)
    cards = page.locator("#cards .card").all()
    assert expected["sections"][0]["confidence"] == 1.0
    for card, section in zip(cards, expected["sections"], strict=True):
        unsure = section["confidence"] < 0.6
        assert ("unsure-opening" in card_classes(card)) is unsure
        label = card.locator(".eyebrow .unsure-label")
        assert label.count() == int(unsure)
        if unsure:
            assert f"({round(section['confidence'] * 100)}%)" in str(label.text_content())
    # The same digest with its second opening made certain and its last made doubtful, rendered by the page's code.
    assert len(cards) >= 3  # the reference article's three stories
    edited = json.loads(json.dumps(expected))
    edited["sections"][1]["confidence"] = 0.95
    edited["sections"][-1]["confidence"] = 0.31
    page.evaluate("digest => import('./static/render.js').then(module => module.renderDigest(digest))", edited)
    cards = page.locator("#cards .card").all()
    assert "unsure-opening" not in card_classes(cards[0]) | card_classes(cards[1])
    assert "unsure-opening" in card_classes(cards[-1])
    assert "(31%)" in str(cards[-1].locator(".unsure-label").text_content())
    assert contrast_ratio(page, ".unsure-label") >= 4.5
    assert visit.dialogs == []
