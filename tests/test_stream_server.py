"""Results as they come and answers remembered, through real `khulasa serve` (uvicorn) servers."""

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import RunningServer, running_server

pytestmark = pytest.mark.slow  # real uvicorn servers, a summarizer that never finishes on its own

STREAM = {"Accept": "application/x-ndjson"}
DIGEST_LINE = b'{"event":"digest","digest":'
# The summarizer of the `endless` server writes until its time budget ends the request.
ENDLESS = '{"num_beams": 1, "min_new_tokens": 100000, "max_new_tokens": 100000}'
BUDGET_S = 60


def article(reference: str, tag: str) -> str:
    """The reference article with a closing line of its own, so no other test's answer is remembered for it."""
    return f"{reference}\n\nانتهى الخبر رقم {tag}{time.time_ns()}."


def digest_batches(base: str) -> float:
    """Digest batches the server has started (its batch-size histogram's count)."""
    metrics = httpx.get(f"{base}/metrics", timeout=30).text
    found = re.search(r'^khulasa_batch_size_count\{kind="digest"\} ([0-9.e+]+)$', metrics, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


def stream(base: str, text: str) -> Any:
    return httpx.stream("POST", f"{base}/summarize", json={"text": text}, headers=STREAM, timeout=BUDGET_S)


def wait_for(condition: Any, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.02)


@pytest.fixture(scope="module")
def endless(tiny_models: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    log = tmp_path_factory.mktemp("endless") / "server.log"
    with running_server(tiny_models, log, summarizer_generate=ENDLESS, request_timeout_s=str(BUDGET_S)) as server:
        yield server


def test_first_line_comes_before_the_summarizer_runs_and_leaving_stops_the_work(
    endless: RunningServer, reference_article: str
) -> None:
    base = endless.base
    started = digest_batches(base)
    with stream(base, article(reference_article, "A")) as holder:
        # Keep the line iterator: httpx closes the connection when an unfinished one is dropped.
        held = holder.iter_lines()
        assert json.loads(next(held))["event"] == "sections"
        wait_for(lambda: digest_batches(base) >= started + 1)  # A's summarizer at work: it holds the models
        with stream(base, article(reference_article, "B")) as response:
            assert response.status_code == 200 and response.headers["x-khulasa-cache"] == "miss"
            waiting = response.iter_lines()
            first = json.loads(next(waiting))
            # B's sections are here while A's batch is the only one that ever started: B's summarizer has not run.
            assert digest_batches(base) == started + 1, endless.log_text()[-4000:]
            assert first["event"] == "sections" and len(first["sections"]) >= 2 and first["title"]["text"]
        # B leaves while it waits; then A leaves while its summarizer writes.
    left = time.monotonic()
    # Its summarizer would write until the budget ended it; leaving stops it at its next step instead.
    wait_for(lambda: "a batch of 1 digest jobs stopped: every caller had given up" in endless.log_text(), BUDGET_S / 4)
    assert time.monotonic() - left < BUDGET_S / 4
    assert httpx.post(f"{base}/translate", json={"q": "بدأ الاجتماع."}, timeout=BUDGET_S).status_code == 200
    assert digest_batches(base) == started + 1  # B never ran: it left the queue with its client
    assert "Traceback" not in endless.log_text()


# Slow but finite: a computed digest takes long enough that "much faster" means something even on a busy machine.
SLOW = '{"num_beams": 4, "min_new_tokens": 200, "max_new_tokens": 200}'


def test_hits_are_byte_identical_and_fast_misses_on_a_changed_option_and_on_disk_across_a_restart(
    tiny_models: Path, tmp_path: Path, reference_article: str
) -> None:
    settings = {"summarizer_generate": SLOW, "cache_dir": str(tmp_path / "answers")}
    text = article(reference_article, "D")
    with running_server(tiny_models, tmp_path / "first.log", **settings) as first:
        started = time.perf_counter()
        streamed = httpx.post(f"{first.base}/summarize", json={"text": text}, headers=STREAM, timeout=300)
        computed_s = time.perf_counter() - started
        assert streamed.status_code == 200 and streamed.headers["x-khulasa-cache"] == "miss"
        last = streamed.content.split(b"\n")[-2]
        assert last.startswith(DIGEST_LINE)
        started = time.perf_counter()
        plain = httpx.post(f"{first.base}/summarize", json={"text": text}, timeout=300)
        remembered_s = time.perf_counter() - started
        assert plain.headers["x-khulasa-cache"] == "hit"
        assert last[len(DIGEST_LINE) : -1] == plain.content  # the plain answer, byte for byte
        assert remembered_s < computed_s / 5, (remembered_s, computed_s)
        changed = httpx.post(f"{first.base}/summarize", json={"text": text, "max_sections": 2}, timeout=300)
        assert changed.status_code == 200 and changed.headers["x-khulasa-cache"] == "miss"
        assert len(changed.json()["sections"]) == 2
        translated = httpx.post(f"{first.base}/translate", data={"q": "وصل الوفد."}, timeout=300)
        assert translated.headers["x-khulasa-cache"] == "miss"
        metrics = httpx.get(f"{first.base}/metrics", timeout=30).text
        assert 'khulasa_cache_hits_total{route="/summarize"} 1.0' in metrics
        assert 'khulasa_cache_misses_total{route="/summarize"} 2.0' in metrics
    with running_server(tiny_models, tmp_path / "second.log", **settings) as second:
        again = httpx.post(f"{second.base}/summarize", json={"text": text}, timeout=300)
        assert again.headers["x-khulasa-cache"] == "hit" and again.content == plain.content
        again_translated = httpx.post(f"{second.base}/translate", json={"q": "وصل الوفد."}, timeout=300)
        assert again_translated.headers["x-khulasa-cache"] == "hit"
        assert again_translated.content == translated.content
    assert len(list((tmp_path / "answers").iterdir())) == 3
