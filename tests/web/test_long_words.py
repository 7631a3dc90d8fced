"""A long unbroken word (a URL, model noise) wraps inside its card; extractive sentences are marked in the source."""

from typing import Any

import httpx
import pytest

from .conftest import Visit, contrast_ratio, submit

pytestmark = pytest.mark.slow  # headless Chromium against a real uvicorn server

URL = "https://news.example/" + "a1b2c3" * 80  # 500 characters without a break opportunity
RUN = "ب" * 300  # Arabic letters without a space: what a small model's noise looks like
SUBHEADING = "رابط" + "ج" * 200
ARTICLE = f"""وصل الوفد المصري إلى القاهرة صباح اليوم بعد جولة من المحادثات.

وقال المتحدث باسم الوفد إن المحادثات تناولت ملفات التجارة والطاقة ونشر البيان على {URL} مساء أمس.

وأضاف المتحدث أن الجانبين اتفقا على لقاء جديد الشهر المقبل {RUN} في العاصمة الأردنية عمان.

{SUBHEADING}

وفي الرياضة، فاز المنتخب الوطني على نظيره التونسي بهدفين مقابل هدف في مباراة ودية أقيمت في القاهرة."""

# Every element whose content is wider than its box, and how far the page scrolls sideways.
OVERFLOW = """() => {
    const wide = [...document.querySelectorAll("#results *")]
        .filter(node => node.scrollWidth > node.clientWidth + 1 && getComputedStyle(node).overflowX === "visible")
        .map(node => `${node.tagName}.${node.className}: ${node.scrollWidth} > ${node.clientWidth}`);
    return { wide, sideways: document.documentElement.scrollWidth - document.documentElement.clientWidth };
}"""


def _digest(base: str) -> dict[str, Any]:
    body = {"text": ARTICLE, "summary": "extractive"}
    response = httpx.post(f"{base}/summarize", json=body, timeout=120)
    assert response.status_code == 200, response.text
    digest: dict[str, Any] = response.json()
    return digest


@pytest.mark.parametrize("width", [1280, 480])
def test_long_unbroken_words_wrap_inside_their_cards(visit: Visit, width: int) -> None:
    page = visit.page
    page.set_viewport_size({"width": width, "height": 900})
    page.select_option("#summary-mode", "extractive")
    submit(page, ARTICLE)
    for toggle in page.locator(".card .source summary").all():
        toggle.click()  # the source text too, where the URL stands in full
    assert page.locator("#cards").inner_text().count(URL) >= 1
    measured = page.evaluate(OVERFLOW)
    assert measured == {"wide": [], "sideways": 0}
    for card in page.locator("#cards .card").all():
        box = card.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= width


def test_extractive_summary_sentences_are_marked_in_the_source_text(visit: Visit) -> None:
    page = visit.page
    expected = _digest(visit.base)
    page.select_option("#summary-mode", "extractive")
    submit(page, ARTICLE)
    assert visit.summarize_requests[-1].post_data_json["summary"] == "extractive"
    cards = page.locator("#cards .card").all()
    assert len(cards) == len(expected["sections"])
    for card, section in zip(cards, expected["sections"], strict=True):
        chosen = [ARTICLE[span["start"] : span["end"]] for span in section["summary"]["spans"]]
        assert card.locator(".source-text mark.chosen").all_text_contents() == chosen
        assert card.locator(".source-text").text_content() == section["text"]  # marks add no text
        assert card.locator(".block-ar .summary").text_content() == section["summary"]["ar"]
    assert contrast_ratio(page, ".source-text mark.chosen") >= 4.5
