"""The reading page's input side: empty input, API errors in plain words, files, the API key, the keyboard."""

import json

import pytest
from playwright.sync_api import Route

from .conftest import Visit, contrast_ratio, submit

pytestmark = pytest.mark.slow  # headless Chromium against a real uvicorn server

SHORT_ARTICLE = "وصل الوفد إلى القاهرة صباح اليوم.\n\nوبدأ الاجتماع بعد الظهر."


def shown_error(visit: Visit) -> str:
    error = visit.page.locator("#input-error")
    error.wait_for(state="visible")  # file reading is asynchronous; submit() already waited for the rest
    return str(error.text_content())


@pytest.mark.parametrize(("text", "max_sections"), [("", ""), ("  \n\t ", ""), (SHORT_ARTICLE, "13")])
def test_bad_input_shows_an_error_next_to_it_without_a_request(visit: Visit, text: str, max_sections: str) -> None:
    submit(visit.page, text, max_sections)
    message = shown_error(visit)
    assert ("Paste an Arabic article" in message) if not text.strip() else ("from 1 to 12" in message)
    assert visit.page.locator("#article").get_attribute("aria-invalid") == "true"
    assert visit.page.locator("#results").is_hidden()
    assert visit.summarize_requests == []
    assert contrast_ratio(visit.page, "#input-error") >= 4.5


def test_article_over_the_body_limit_says_so_with_the_limit(visit: Visit) -> None:
    submit(visit.page, "ن" * 150_000)  # 300 kB of UTF-8 against the default 200 kB limit
    message = shown_error(visit)
    assert message.startswith("The article is too long for this service")
    assert "200000 bytes" in message


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (401, {"error": "missing or invalid API key", "type": "unauthorized"}, "needs a valid API key"),
        (429, {"error": "17 requests are already in line", "type": "overloaded"}, "busy with other articles"),
        (503, {"error": "models are still loading", "type": "not_ready"}, "models are still loading"),
        (503, {"error": "models failed to load: no config", "type": "not_ready"}, "models failed to load: no config"),
        (500, {"error": "internal error; see the server log", "type": "internal_error"}, "failed on this article"),
    ],
)
def test_api_errors_are_shown_in_plain_words(visit: Visit, status: int, body: dict[str, str], expected: str) -> None:
    # These states are hard to produce on a real server on demand (a key-protected deployment, a full queue, models
    # loading); the answers are exactly the API's error bodies, and the page's handling of them is what is tested.
    seen: list[dict[str, str]] = []

    def answer(route: Route) -> None:
        seen.append(route.request.headers)
        route.fulfill(status=status, content_type="application/json", body=json.dumps(body))

    visit.page.route("**/summarize", answer)
    visit.page.fill("#api-key", "s3cret")
    submit(visit.page, SHORT_ARTICLE)
    assert expected in shown_error(visit)
    assert seen and seen[0]["authorization"] == "Bearer s3cret"
    assert visit.page.evaluate("() => sessionStorage.getItem('khulasa.apiKey')") == "s3cret"
    assert visit.page.locator("#summarize").is_enabled()  # ready for another try
    assert visit.page.locator("#article").get_attribute("aria-invalid") is None  # the service failed, not the input


def test_unreachable_service_is_said_in_plain_words(visit: Visit) -> None:
    visit.page.route("**/summarize", lambda route: route.abort("connectionrefused"))
    submit(visit.page, SHORT_ARTICLE)
    assert "Could not reach the service" in shown_error(visit)
    assert "authorization" not in visit.summarize_requests[0].headers  # no key typed, none sent


def test_loading_models_are_announced_until_ready(visit: Visit) -> None:
    page = visit.page
    answers = iter([503, 200])

    def ready(route: Route) -> None:
        status = next(answers, 200)
        body = {"error": "models are still loading", "type": "not_ready"} if status == 503 else {"status": "ready"}
        route.fulfill(status=status, content_type="application/json", body=json.dumps(body))

    page.route("**/ready", ready)
    page.reload()
    notice = page.locator("#service-notice")
    notice.wait_for(state="visible")
    assert "models are still loading" in str(notice.text_content())
    notice.wait_for(state="hidden", timeout=15_000)


def test_text_file_is_read_into_the_box_and_other_files_are_refused(visit: Visit) -> None:
    page = visit.page
    page.set_input_files(
        "#file", files=[{"name": "article.txt", "mimeType": "text/plain", "buffer": SHORT_ARTICLE.encode()}]
    )
    page.wait_for_function("() => document.getElementById('article').value.length > 0")
    assert page.input_value("#article") == SHORT_ARTICLE
    assert "Read article.txt" in str(page.locator("#status").text_content())
    picture = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe"
    page.set_input_files("#file", files=[{"name": "photo.png", "mimeType": "image/png", "buffer": picture}])
    assert "photo.png is not UTF-8 text" in shown_error(visit)
    assert page.input_value("#article") == SHORT_ARTICLE  # the article already there is kept


def test_dropped_file_fills_the_box(visit: Visit) -> None:
    page = visit.page
    transfer = page.evaluate_handle(
        """text => {
            const transfer = new DataTransfer();
            transfer.items.add(new File([text], "dropped.txt", { type: "text/plain" }));
            return transfer;
        }""",
        SHORT_ARTICLE,
    )
    page.dispatch_event("#article", "drop", {"dataTransfer": transfer})
    page.wait_for_function("() => document.getElementById('article').value.length > 0")
    assert page.input_value("#article") == SHORT_ARTICLE


def test_keyboard_reaches_every_control_with_a_visible_focus_and_labels(visit: Visit) -> None:
    page = visit.page
    reached: list[str] = []
    while "summarize" not in reached and len(reached) < 10:
        page.keyboard.press("Tab")
        reached.append(page.evaluate("() => document.activeElement.id"))
    focused = [element for element in reached if element]
    assert focused == ["article", "file", "max-sections", "summary-mode", "api-key", "summarize"]
    assert page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle") != "none"
    controls = "[...document.querySelectorAll('input, textarea, select')]"
    unlabelled = page.evaluate(f"() => {controls}.filter(e => !e.labels.length)")
    assert unlabelled == []
    page.keyboard.press("Enter")  # Enter on Summarize with nothing pasted: the error, from the keyboard alone
    assert "Paste an Arabic article" in shown_error(visit)
    for selector in (".masthead p", "label", ".hint", "#summarize"):
        assert contrast_ratio(page, selector) >= 4.5, selector
