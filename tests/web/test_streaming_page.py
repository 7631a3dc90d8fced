"""The reading page follows the streamed answer: the section cards appear at once and fill in, stage by stage."""

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import running_server

from .conftest import Visit, submit

pytestmark = pytest.mark.slow  # headless Chromium against a real uvicorn server with slow models

# Both models write hundreds of tokens with a wide beam: each stage takes long enough to be seen on its own.
SLOW_SUMMARIZER = '{"num_beams": 4, "min_new_tokens": 300, "max_new_tokens": 300}'
SLOW_TRANSLATOR = '{"num_beams": 4, "min_new_tokens": 150, "max_new_tokens": 150}'

# Each change to the results region: how many cards, how many Arabic and English summaries still pending.
WATCH = """() => {
    window.snapshots = [];
    const results = document.getElementById("results");
    const count = (selector) => document.querySelectorAll(selector).length;
    new MutationObserver(() => window.snapshots.push({
        shown: !results.hidden,
        busy: results.getAttribute("aria-busy") === "true",
        cards: count("#cards .card"),
        arabicPending: count("#cards .block-ar .summary.pending"),
        englishPending: count("#cards .block-en .summary.pending"),
        status: document.getElementById("status").textContent,
    })).observe(results, { subtree: true, childList: true, attributes: true, characterData: true });
}"""


@pytest.fixture(scope="module")
def server(tiny_models: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A server of its own whose models are slow (the `visit` fixture opens the page on it)."""
    log = tmp_path_factory.mktemp("slow-server") / "server.log"
    settings = {"summarizer_generate": SLOW_SUMMARIZER, "translator_generate": SLOW_TRANSLATOR}
    with running_server(tiny_models, log, **settings) as running:
        yield running.base


def phases(snapshots: list[dict[str, Any]], cards: int) -> list[str]:
    """The distinct states the shown cards went through, in order."""
    names = []
    for snapshot in snapshots:
        if not snapshot["shown"] or snapshot["cards"] != cards:
            continue
        pending = (snapshot["arabicPending"], snapshot["englishPending"])
        name = {(cards, cards): "sections", (0, cards): "arabic", (0, 0): "complete"}.get(pending, "partial")
        if not names or names[-1] != name:
            names.append(name)
    return names


def test_cards_appear_at_once_and_fill_in(visit: Visit, reference_article: str) -> None:
    page = visit.page
    text = f"{reference_article}\n\nانتهى الخبر رقم {time.time_ns()}."  # computed here, not remembered
    page.evaluate(WATCH)
    submit(page, text, max_sections="3")
    expected = httpx.post(f"{visit.base}/summarize", json={"text": text, "max_sections": 3}, timeout=120).json()
    count = len(expected["sections"])
    assert count == 3
    snapshots: list[dict[str, Any]] = page.evaluate("window.snapshots")
    first_shown = next(snapshot for snapshot in snapshots if snapshot["shown"])
    # The cards came with the first line: every section, every summary pending, the page busy.
    assert first_shown["cards"] == count and first_shown["busy"]
    assert first_shown["arabicPending"] == first_shown["englishPending"] == count
    assert first_shown["status"] == f"Found {count} section(s); summarizing and translating them…"
    # Stage by stage: all Arabic before any English. Lines that arrive in separate packets fill in one by one
    # ("partial" states between), but nothing once filled goes back to pending.
    went_through = phases(snapshots, count)
    assert [phase for phase in went_through if phase != "partial"] == ["sections", "arabic", "complete"]
    shown = [snapshot for snapshot in snapshots if snapshot["shown"] and snapshot["cards"] == count]
    for before, after in zip(shown, shown[1:], strict=False):
        assert after["arabicPending"] <= before["arabicPending"]
        assert after["englishPending"] <= before["englishPending"]
        assert after["englishPending"] == count or after["arabicPending"] == 0  # no English before all Arabic
    assert page.locator("#results").get_attribute("aria-busy") is None
    cards = page.locator("#cards .card").all()
    for card, section in zip(cards, expected["sections"], strict=True):
        assert card.locator(".block-ar .summary").text_content() == section["summary"]["ar"]
        assert card.locator(".block-en .summary").text_content() == section["summary"]["en"]
    assert page.locator("#digest-title .title-en").text_content() == expected["title"]["en"]
    assert visit.dialogs == []
