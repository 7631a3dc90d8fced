"""Headless Chromium (Debian's, driven by Playwright) on the reading page of a real `khulasa serve` (conftest `server`).

Locally the browser tests skip when /usr/bin/chromium is absent; under CI (`CI` set) they fail instead, since .ci/run
installs it.
"""

import os
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from playwright.sync_api import Browser, Dialog, Page, Request, sync_playwright

from docs.screenshot import CHROMIUM, launch_chromium

DIGEST_TIMEOUT_MS = 120_000


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing: apt-get install chromium (the reading page's browser tests need it)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    with sync_playwright() as playwright:
        launched = launch_chromium(playwright)
        yield launched
        launched.close()


@dataclass
class Visit:
    """One open page, with what it did that a test may need to check."""

    page: Page
    base: str
    dialogs: list[str] = field(default_factory=list)
    summarize_requests: list[Request] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)


@pytest.fixture
def visit(browser: Browser, server: str) -> Iterator[Visit]:
    """The reading page freshly loaded, recording dialogs, /summarize requests, uncaught script errors and anything
    the Content-Security-Policy blocked."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    opened = Visit(page, server)

    def on_dialog(dialog: Dialog) -> None:
        opened.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on("pageerror", lambda error: opened.page_errors.append(str(error)))
    # Chromium reports what the Content-Security-Policy refused on the console; the page itself must need nothing
    # the policy forbids.
    page.on(
        "console", lambda message: "Content Security Policy" in message.text and opened.blocked.append(message.text)
    )
    page.on("request", lambda request: request.url.endswith("/summarize") and opened.summarize_requests.append(request))
    page.goto(f"{server}/")
    yield opened
    context.close()
    assert opened.page_errors == [], "the page threw"
    assert opened.blocked == [], "the page's own policy blocked something it needs"


def submit(page: Page, text: str, max_sections: str = "") -> None:
    """Paste `text`, set the section limit and press Summarize; returns once the whole digest or an error shows
    (a streamed digest shows its cards at once, busy until the last summary is in)."""
    page.fill("#article", text)
    page.fill("#max-sections", max_sections)
    page.click("#summarize")
    page.wait_for_selector(
        "#results:not([hidden]):not([aria-busy]), #input-error:not([hidden])", timeout=DIGEST_TIMEOUT_MS
    )


def contrast_ratio(page: Page, selector: str) -> float:
    """WCAG contrast between the first match's text colour and the first opaque background behind it."""
    return float(
        page.locator(selector).first.evaluate(
            """node => {
                const rgb = value => value.match(/[\\d.]+/g).map(Number);
                const luminance = ([r, g, b]) => {
                    const linear = c => (c /= 255) <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
                    return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
                };
                let back = node;
                while (back && (rgb(getComputedStyle(back).backgroundColor)[3] ?? 1) === 0) back = back.parentElement;
                const paper = back ? rgb(getComputedStyle(back).backgroundColor) : [255, 255, 255];
                const ink = luminance(rgb(getComputedStyle(node).color));
                const [light, dark] = [ink, luminance(paper)].sort((a, b) => b - a);
                return (light + 0.05) / (dark + 0.05);
            }"""
        )
    )
