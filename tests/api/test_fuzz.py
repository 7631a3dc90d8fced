"""Seeded, bounded fuzzing against the app's own OpenAPI schema (schemathesis + Hypothesis, tiny models).

Every answer must be no 5xx, a status the schema declares, the declared content type, headers and body schema;
data that violates the schema must be refused. Hypothesis is derandomized and keeps no example database, so
every run sends the same requests.
"""

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from service.api.app import create_app
from service.config import Settings
from service.engines.factory import Engines
from tests.conftest import wait_ready

pytestmark = pytest.mark.slow  # hundreds of generated requests through the tiny models

CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_headers_conformance,
    schemathesis.checks.response_schema_conformance,
    schemathesis.checks.negative_data_rejection,
]
OPERATIONS = [
    "GET /health",
    "GET /ready",
    "POST /summarize",
    "POST /segment",
    "POST /translate",
    "POST /detect",
    "GET /languages",
    "GET /frontend/settings",
    "GET /spec",
    "GET /info",
    "GET /metrics",
]


def bounded(examples: int) -> Callable[[Callable[..., None]], Callable[..., None]]:
    return settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate],
    )


@pytest.fixture(scope="module")
def schema(tiny_settings: Settings, short_engines: Engines) -> Iterator[Any]:
    """The schema as the app serves it, bound to the app, whose models are loaded (lifespan running)."""
    app = create_app(tiny_settings, engines=short_engines)
    with TestClient(app) as client:
        wait_ready(client)
        yield schemathesis.openapi.from_asgi("/openapi.json", app)


def run(strategy: Any, examples: int) -> dict[int, int]:
    """Send `examples` cases from `strategy` and validate each answer; the count of answers per status."""
    statuses: dict[int, int] = {}

    @bounded(examples)
    @given(case=strategy)
    def send(case: Any) -> None:
        status = case.call_and_validate(checks=CHECKS).status_code
        statuses[status] = statuses.get(status, 0) + 1

    send()
    return statuses


def test_every_operation_is_fuzzed(schema: Any) -> None:
    assert sorted(result.ok().label for result in schema.get_all_operations()) == sorted(OPERATIONS)


@pytest.mark.parametrize("label", OPERATIONS)
def test_operation_conforms_to_its_schema(schema: Any, label: str) -> None:
    method, path = label.split()
    operation = schema[path][method]
    answers: dict[int, int] = {}
    for strategy in schema.get_strategies_from_examples(operation):
        answers |= run(strategy, 3)
    positive = run(operation.as_strategy(GenerationMode.POSITIVE), 15)
    # Operations without parameters or body have nothing to get wrong.
    negative = run(operation.as_strategy(GenerationMode.NEGATIVE), 15) if method == "POST" else {}
    assert all(status < 500 for status in [*answers, *positive, *negative])
    assert all(400 <= status < 500 for status in negative), negative
    if method == "POST":
        assert answers.get(200), "the schema's own examples must be served"


ARABIC_WORDS = ["وصل", "الوفد", "إلى", "القاهرة", "صباح", "اليوم", "وقال", "الوزير", "إن", "المفاوضات", "ستستأنف"]
PIECES = st.one_of(
    st.sampled_from(ARABIC_WORDS),
    st.sampled_from([" ", " ", "\n", "\n\n", "\r\n", ". ", "، ", "؟ ", "... ", "\t"]),
    st.text(max_size=4),  # any Unicode but surrogates: marks, controls, emoji, bidi, NUL, other scripts
)
ARABIC_HEAVY = st.lists(PIECES, min_size=1, max_size=80).map("".join)


def spans_index_the_text(text: str, answer: dict[str, Any]) -> None:
    title = answer["title"] if answer["title"] and "start" in answer["title"] else None
    for span in [*answer["sections"], *answer["removed"], *([title] if title else [])]:
        assert text[span["start"] : span["end"]] == span["text"]


@pytest.mark.parametrize(("path", "examples"), [("/segment", 100), ("/summarize", 10)])
def test_arabic_heavy_text_keeps_its_offsets(schema: Any, path: str, examples: int) -> None:
    operation = schema[path]["POST"]
    served: list[int] = []

    @bounded(examples)
    @given(text=ARABIC_HEAVY)
    def send(text: str) -> None:
        case = operation.Case(body={"text": text}, media_type="application/json")
        response = case.call_and_validate(checks=CHECKS)
        assert response.status_code in (200, 422), response.text
        if response.status_code == 200:
            spans_index_the_text(text, response.json())
            served.append(1)

    send()
    assert served, "generated texts that read as Arabic are served"


def test_arabic_heavy_text_translates_item_by_item(schema: Any) -> None:
    operation = schema["/translate"]["POST"]

    @bounded(10)
    @given(texts=st.lists(ARABIC_HEAVY, min_size=1, max_size=4))
    def send(texts: list[str]) -> None:
        case = operation.Case(body={"q": texts}, media_type="application/json")
        response = case.call_and_validate(checks=CHECKS)
        assert response.status_code in (200, 422), response.text
        if response.status_code == 200:
            assert len(response.json()["translatedText"]) == len(texts)

    send()


TAGS = st.sampled_from(["p", "div", "h2", "li", "span", "figcaption", "nav", "aside", "script", "footer", "b"])
MARKUP_PIECE = st.tuples(TAGS, ARABIC_HEAVY).map(lambda pair: f"<{pair[0]}>{pair[1]}</{pair[0]}>")
ARABIC_PAGES = st.lists(st.one_of(MARKUP_PIECE, st.text(max_size=6)), min_size=1, max_size=20).map(
    lambda pieces: "<html><body><article>" + "".join(pieces) + "</article></body></html>"
)


@pytest.mark.parametrize(("path", "examples"), [("/segment", 40), ("/summarize", 8)])
def test_arabic_heavy_pages_answer_on_their_extracted_text(schema: Any, path: str, examples: int) -> None:
    operation = schema[path]["POST"]
    served: list[int] = []

    @bounded(examples)
    @given(page=ARABIC_PAGES, extractive=st.booleans())
    def send(page: str, extractive: bool) -> None:
        body: dict[str, Any] = {"html": page}
        if path == "/summarize" and extractive:
            body["summary"] = "extractive"
        response = operation.Case(body=body, media_type="application/json").call_and_validate(checks=CHECKS)
        assert response.status_code in (200, 422), response.text
        if response.status_code == 200:
            answer = response.json()
            spans_index_the_text(answer["text"], answer)
            for section in answer["sections"]:
                for span in (section.get("summary") or {}).get("spans") or []:
                    assert section["start"] <= span["start"] < span["end"] <= section["end"]
            served.append(1)

    send()
    assert served, "generated pages with Arabic paragraphs are served"


def test_arabic_heavy_text_streamed_ends_in_the_digest_or_an_error(schema: Any) -> None:
    operation = schema["/summarize"]["POST"]
    streamed: list[int] = []

    @bounded(10)
    @given(text=ARABIC_HEAVY)
    def send(text: str) -> None:
        case = operation.Case(body={"text": text}, media_type="application/json")
        # Given to the call: schemathesis puts its own Accept over a case's.
        response = case.call_and_validate(checks=CHECKS, headers={"Accept": "application/x-ndjson"})
        assert response.status_code in (200, 422), response.text
        if response.status_code == 200:
            assert response.headers["x-khulasa-cache"] in (["hit"], ["miss"])  # schemathesis: a list per header
            events = [json.loads(line) for line in response.text.splitlines()]
            assert events[0]["event"] == "sections" and events[-1]["event"] == "digest", events[-1]
            spans_index_the_text(text, events[0])
            spans_index_the_text(text, events[-1]["digest"])
            streamed.append(1)

    send()
    assert streamed, "generated texts that read as Arabic are streamed"
