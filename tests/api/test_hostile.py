"""Hostile and odd input through every route: each gets a sensible 200 or a JSON 4xx, never a 500, never a hang.

One app serves the whole module, and the last test checks it still answers normally after all of it. Socket-level
cases (slow clients, early closes) run against a real server in tests/test_hostile_server.py.
"""

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.api.app import create_app
from service.api.errors import error_response
from service.api.stream import wants_stream
from service.config import Settings
from service.engines.factory import Engines
from service.text import markup
from tests.conftest import wait_ready

ARABIC = "وصل الوفد إلى القاهرة صباح اليوم.\n\nوبدأ الاجتماع بعد الظهر."
BODIES: dict[str, Callable[[Any], dict[str, Any]]] = {
    "/summarize": lambda text: {"text": text},
    "/segment": lambda text: {"text": text},
    "/translate": lambda text: {"q": text},
}
OK = (200, None)


@dataclass(frozen=True)
class Case:
    """A text sent to every route, and the (status, error type) each route must answer."""

    name: str
    text: str
    summarize: tuple[int, str | None]
    segment: tuple[int, str | None]
    translate: tuple[int, str | None]
    slow: bool = False  # seconds through the models on some routes: in the slow tier


NOT_ARABIC = (422, "not_arabic")
BLANK = (422, "validation_error")
MISSING_Q = (400, "invalid_input")  # LibreTranslate: "Invalid request: missing q parameter"
CASES = [
    Case("empty", "", BLANK, BLANK, MISSING_Q),
    Case("whitespace", " \n\t\r\n \u3000", BLANK, BLANK, OK),
    Case("only-furniture", "صورة: رويترز\nاقرأ أيضا: ارتفاع أسعار النفط\nشارك المقال", OK, OK, OK),
    Case("english", "Officials met in Cairo on Thursday to discuss the ceasefire.", NOT_ARABIC, NOT_ARABIC, NOT_ARABIC),
    Case("french", "Les responsables se sont réunis au Caire jeudi pour discuter.", NOT_ARABIC, NOT_ARABIC, NOT_ARABIC),
    Case("no-letters", "2024 ١٢٣ ... 🙂 🇪🇬", NOT_ARABIC, NOT_ARABIC, OK),
    Case(
        "mixed-arabic-latin",
        "قال المتحدث باسم Reuters إن the meeting سيعقد غدا in Cairo مع الوفد.\n\n"
        "وأضاف أن talks will continue الأسبوع المقبل.",
        OK,
        OK,
        OK,
    ),
    Case("emoji", "وصل الوفد 🇪🇬 إلى القاهرة 🎉👍🏽 صباح اليوم.\n\nوبدأ الاجتماع 👨‍👩‍👧 بعد الظهر.", OK, OK, OK),
    Case(
        "bidi-and-zero-width",
        "\u202bوصل الوفد\u202c إلى \u2067القاهرة\u2069\u200f صباح\u200b اليوم\u200c.\ufeff\n\n"
        "وبدأ\u200d الاجتماع\u200e بعد.",
        OK,
        OK,
        OK,
    ),
    Case("nul-characters", "وصل الوفد\x00 إلى القاهرة.\x00\n\nوبدأ الاجتماع\x00 بعد الظهر.", OK, OK, OK),
    Case("ten-thousand-one-word-lines", "\n".join(["كلمة"] * 10_000), OK, OK, OK, slow=True),
    Case("one-line-of-50000-characters", ("كلمة " * 10_000)[:50_000], OK, OK, OK, slow=True),
]


@pytest.fixture(scope="module")
def battered(tiny_settings: Settings, short_engines: Engines) -> Iterator[TestClient]:
    """One app for the whole module; a 500 comes back as a response so the test can say which case caused it."""
    app = create_app(tiny_settings, engines=short_engines)
    with TestClient(app, raise_server_exceptions=False) as client:
        wait_ready(client)
        yield client


def assert_json_error(response: Any, status: int, kind: str | None = None) -> dict[str, str]:
    assert response.status_code == status, response.text[:500]
    assert response.headers["content-type"].startswith("application/json")
    body: dict[str, str] = response.json()
    assert set(body) == {"error", "type"} and body["error"].strip()
    if kind is not None:
        assert body["type"] == kind, body
    return body


def assert_spans_cover(text: str, answer: dict[str, Any]) -> None:
    """Every span indexes `text`, and together they hold every non-whitespace character of it: nothing lost."""
    spans = [*answer["sections"], *answer["removed"], *([answer["title"]] if answer["title"] else [])]
    covered = [False] * len(text)
    for span in spans:
        assert text[span["start"] : span["end"]] == span["text"]
        covered[span["start"] : span["end"]] = [True] * (span["end"] - span["start"])
    lost = [char for char, inside in zip(text, covered, strict=True) if not inside and not char.isspace()]
    assert lost == []


def check_answer(route: str, text: str, answer: dict[str, Any]) -> None:
    if route == "/segment":
        assert_spans_cover(text, answer)
        assert 1 <= len(answer["sections"]) <= 12
    elif route == "/summarize":
        assert 1 <= len(answer["sections"]) <= 12
        for section in answer["sections"]:
            assert text[section["start"] : section["end"]] == section["text"]
            assert section["summary"]["ar"].strip() and section["summary"]["en"].strip()
    else:
        translated = answer["translatedText"]
        assert isinstance(translated, str) and bool(translated.strip()) == bool(text.strip())
        # Sentences are rejoined with the line breaks between them, at most two: every line is still there.
        breaks = sum(min(gap.count("\n"), 2) for gap in re.findall(r"\s+", text.strip()))
        assert translated.count("\n") == breaks


@pytest.mark.parametrize("route", list(BODIES))
@pytest.mark.parametrize(
    "case", [pytest.param(case, id=case.name, marks=[pytest.mark.slow] if case.slow else []) for case in CASES]
)
def test_odd_text_gets_a_sensible_answer(battered: TestClient, case: Case, route: str) -> None:
    status, kind = getattr(case, route.strip("/"))
    response = battered.post(route, json=BODIES[route](case.text))
    if status == 200:
        assert response.status_code == 200, response.text[:500]
        check_answer(route, case.text, response.json())
        remembered = route != "/segment"  # /segment needs no model: nothing to remember
        assert response.headers.get("x-khulasa-cache") in ({"hit", "miss"} if remembered else {None})
    else:
        body = assert_json_error(response, status, kind)
        if kind == "not_arabic":
            assert body["error"].startswith("Arabic text expected")
        assert "x-khulasa-cache" not in response.headers  # errors are never remembered


def streamed(response: Any) -> list[dict[str, Any]]:
    """The events of an NDJSON answer: sections first, digest or error last, each line one JSON object."""
    assert response.status_code == 200, response.text[:500]
    assert response.headers["content-type"].startswith("application/x-ndjson")
    events = [json.loads(line) for line in response.text.split("\n")[:-1]]
    assert events[0]["event"] == "sections" and events[-1]["event"] in {"digest", "error"}
    return events


@pytest.mark.parametrize(
    "case", [pytest.param(case, id=case.name, marks=[pytest.mark.slow] if case.slow else []) for case in CASES]
)
def test_odd_text_streamed_gets_a_sensible_answer(battered: TestClient, case: Case) -> None:
    status, kind = case.summarize
    # 11 sections at most: not the plain test's request, so the models run here rather than the cache answering.
    response = battered.post(
        "/summarize", json={"text": case.text, "max_sections": 11}, headers={"Accept": "application/x-ndjson"}
    )
    if status != 200:
        assert_json_error(response, status, kind)  # refused before the stream starts
        return
    events = streamed(response)
    digest = events[-1]["digest"]
    check_answer("/summarize", case.text, digest)
    assert events[0]["sections"] == [
        {k: v for k, v in s.items() if k not in ("index", "summary")} for s in digest["sections"]
    ]
    assert len(events) == 2 + 2 * len(digest["sections"]) + (digest["title"] is not None)


@pytest.mark.parametrize(
    "accept",
    ["", "*/*", "text/html", "application/x-ndjson;q=abc", "application/x-ndjson;q=0", ",,;;,", "x" * 4000,
     "application/x-ndjson, application/json", "application/x-ndjson;q=0.1, application/json;q=0.2", "\t\t"],
)  # fmt: skip
def test_odd_accept_headers_get_a_normal_answer(battered: TestClient, accept: str) -> None:
    response = battered.post("/summarize", json={"text": ARABIC}, headers={"Accept": accept})
    if wants_stream(accept):
        assert streamed(response)[-1]["event"] == "digest"
    else:
        assert response.status_code == 200 and response.headers["content-type"] == "application/json"
        check_answer("/summarize", ARABIC, response.json())


SURROGATES = [
    ("/summarize", b'{"text": "\\u0646\\u0635 \\ud800 \\u0646\\u0635"}', "text"),
    ("/summarize", b'{"text": "\\u0646\\u0635", "title": "\\udfff"}', "title"),
    ("/segment", b'{"text": "\\ud83d"}', "text"),
    ("/segment", b'{"html": "<p>\\u0646\\u0635 \\udc00</p>"}', "html"),
    ("/translate", b'{"q": "\\ud800"}', "q"),
    ("/translate", b'{"q": ["\\u0646\\u0635", "\\udc00\\u0646"]}', "q.1: has a lone surrogate U+DC00 at character 0"),
    ("/translate", b'{"q": "\\u0646\\u0635", "source": "\\ud800"}', "source"),
]


@pytest.mark.parametrize(("route", "raw", "field"), SURROGATES)
def test_lone_surrogates_get_422_naming_the_field(battered: TestClient, route: str, raw: bytes, field: str) -> None:
    response = battered.post(route, content=raw, headers={"content-type": "application/json"})
    body = assert_json_error(response, 422, "validation_error")
    assert field in body["error"] and "lone surrogate" in body["error"]


def test_a_lone_surrogate_in_a_field_name_gets_422(battered: TestClient) -> None:
    raw = b'{"text": "\\u0646\\u0635", "\\ud800": 1}'
    response = battered.post("/summarize", content=raw, headers={"content-type": "application/json"})
    assert_json_error(response, 422, "validation_error")


def test_an_error_message_echoing_a_lone_surrogate_is_still_encoded() -> None:
    response = error_response(422, "field \ud800 is unknown", "validation_error")
    assert json.loads(response.body) == {"error": "field \\ud800 is unknown", "type": "validation_error"}


def test_a_paired_surrogate_is_one_character(battered: TestClient) -> None:
    raw = b'{"text": "\\u0648\\u0635\\u0644 \\ud83d\\ude00 \\u0627\\u0644\\u0648\\u0641\\u062f"}'
    response = battered.post("/segment", content=raw, headers={"content-type": "application/json"})
    assert response.status_code == 200 and response.json()["sections"][0]["text"] == "وصل 😀 الوفد"


RAW_BODIES = [
    ("invalid-utf8", b'{"text": "\xd9\x86\xff\xfe"}', "application/json", 400, "invalid_json"),
    ("latin-1", '{"text": "café"}'.encode("latin-1"), "application/json", 400, "invalid_json"),
    ("truncated-json", b'{"text": "\\u0646', "application/json", 400, "invalid_json"),
    ("deeply-nested", b"[" * 100_000, "application/json", 400, None),
    ("huge-number", b'{"text": "x", "max_sections": 1' + b"0" * 5_000 + b"}", "application/json", 400, None),
    ("plain-text", "وصل الوفد".encode(), "text/plain; charset=utf-8", 415, "unsupported_media_type"),
    ("form", "text=وصل".encode(), "application/x-www-form-urlencoded", 415, "unsupported_media_type"),
    ("xml", "<q>وصل</q>".encode(), "application/xml", 415, "unsupported_media_type"),
    ("five-megabytes", b'{"text": "' + b"x" * 5_000_000 + b'"}', "application/json", 413, "payload_too_large"),
]


@pytest.mark.parametrize("route", list(BODIES))
@pytest.mark.parametrize(
    ("raw", "content_type", "status", "kind"),
    [case[1:] for case in RAW_BODIES],
    ids=[case[0] for case in RAW_BODIES],
)
def test_undecodable_or_oversized_bodies_get_a_json_4xx(
    battered: TestClient, route: str, raw: bytes, content_type: str, status: int, kind: str | None
) -> None:
    if route == "/translate" and content_type.startswith("application/x-www-form-urlencoded"):
        status, kind = MISSING_Q  # LibreTranslate's routes read forms; this one has no q
    response = battered.post(route, content=raw, headers={"content-type": content_type})
    assert_json_error(response, status, kind)


WRONG_SHAPES: list[Any] = [[], ["نص"], "نص", 42, None, True, {}, {"text": {"a": 1}}, {"q": {"a": 1}}, {"q": [1, 2]}]


@pytest.mark.parametrize("route", list(BODIES))
@pytest.mark.parametrize("body", WRONG_SHAPES, ids=[repr(shape) for shape in WRONG_SHAPES])
def test_json_of_the_wrong_shape_gets_422(battered: TestClient, route: str, body: Any) -> None:
    raw = json.dumps(body).encode()
    response = battered.post(route, content=raw, headers={"content-type": "application/json"})
    if route != "/translate" or isinstance(body, dict) and isinstance(body.get("q"), dict | list):
        assert_json_error(response, 422, "validation_error")
    elif isinstance(body, dict):
        assert_json_error(response, 400, "invalid_input")  # LibreTranslate: "Invalid request: missing q parameter"
    else:
        assert response.json()["error"] == "Invalid JSON format"  # LibreTranslate's words for a non-object
        assert_json_error(response, 400, "invalid_json")


@pytest.mark.parametrize("path", ["/health", "/ready", "/languages", "/info", "/metrics"])
def test_get_routes_ignore_junk_in_the_query_and_refuse_other_methods(battered: TestClient, path: str) -> None:
    response = battered.get(f"{path}?text=%00%ff%ed%a0%80&q=&x=" + "y" * 4_000)
    assert response.status_code == 200
    assert_json_error(battered.post(path, json={"text": "نص"}), 405, "method_not_allowed")


@pytest.mark.parametrize("route", list(BODIES))
def test_post_routes_refuse_get_with_json(battered: TestClient, route: str) -> None:
    assert_json_error(battered.get(route), 405, "method_not_allowed")


def test_after_all_of_it_the_service_answers_normally(battered: TestClient) -> None:
    assert battered.get("/health").json() == {"status": "ok"}
    answer = battered.post("/summarize", json={"text": ARABIC})
    assert answer.status_code == 200 and answer.json()["sections"]
    metrics = battered.get("/metrics").text
    assert 'status="500"' not in metrics, "no case may have ended in a 500"


# LibreTranslate's routes read the same fields from JSON, a form, multipart or the query string.
ENCODINGS: dict[str, Callable[[dict[str, str]], dict[str, Any]]] = {
    "json": lambda fields: {"json": fields},
    "form": lambda fields: {"data": fields},
    "multipart": lambda fields: {"files": {name: (None, value.encode()) for name, value in fields.items()}},
    "query": lambda fields: {"params": fields},
}


@pytest.mark.parametrize("encoding", list(ENCODINGS))
@pytest.mark.parametrize(
    "case", [pytest.param(case, id=case.name, marks=[pytest.mark.slow] if case.slow else []) for case in CASES]
)
def test_odd_text_in_every_libretranslate_encoding(battered: TestClient, case: Case, encoding: str) -> None:
    status, kind = case.translate
    if case.slow and encoding == "query":
        pytest.skip("httpx refuses a URL that long; tests/test_hostile_server.py sends a 54 kB query string")
    if case.slow and encoding == "form":
        # Percent-encoded, each Arabic letter takes 6 bytes: the body is over KHULASA_MAX_BODY_BYTES.
        assert_json_error(battered.post("/translate", data={"q": case.text}), 413, "payload_too_large")
        return
    response = battered.post("/translate", **ENCODINGS[encoding]({"q": case.text, "source": "ar", "target": "en"}))
    if status == 200:
        assert response.status_code == 200, response.text[:500]
        check_answer("/translate", case.text, response.json())
    else:
        assert_json_error(response, status, kind)
    detected = battered.post("/detect", **ENCODINGS[encoding]({"q": case.text}))
    if case.text:
        assert detected.status_code == 200, detected.text[:500]
        [guess] = detected.json()
        assert guess["language"] == "ar" and 0 <= guess["confidence"] <= 100
    else:
        assert_json_error(detected, 400, "invalid_input")


FORM = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data; boundary=b"


def multipart(*parts: tuple[str, bytes], filename: str | None = None) -> bytes:
    named = f'; filename="{filename}"' if filename else ""
    fields = [
        b'--b\r\nContent-Disposition: form-data; name="'
        + name.encode()
        + named.encode()
        + b'"\r\n\r\n'
        + value
        + b"\r\n"
        for name, value in parts
    ]
    return b"".join(fields) + b"--b--\r\n"


LIBRETRANSLATE_BODIES = [
    ("form-invalid-utf8", b"q=\xd9\x86\xff", FORM, 400, "invalid_input"),
    ("form-percent-invalid-utf8", b"q=%D9%86%FF", FORM, 400, "invalid_input"),
    ("form-q-twice", "q=وصل&q=الوفد".encode(), FORM, 400, "invalid_input"),
    ("form-ten-thousand-fields", b"&".join(b"f%d=x" % i for i in range(10_000)), FORM, 400, "invalid_input"),
    ("form-no-q", b"source=ar&target=en", FORM, 400, "invalid_input"),
    ("form-only-separators", b"&&&===&", FORM, 400, "invalid_input"),
    ("form-english", b"q=Officials+met", FORM, 422, "not_arabic"),
    ("form-lone-surrogate-escape", b"q=%ED%A0%80", FORM, 400, "invalid_input"),
    ("form-five-megabytes", b"q=" + b"x" * 5_000_000, FORM, 413, "payload_too_large"),
    ("multipart-no-boundary", b"--b\r\n", "multipart/form-data", 400, "invalid_input"),
    ("multipart-truncated", multipart(("q", "وصل".encode()))[:30], MULTIPART, 400, None),
    ("multipart-garbage", b"\x00\xff" * 500, MULTIPART, 400, "invalid_input"),
    ("multipart-q-as-file", multipart(("q", "وصل".encode()), filename="a.txt"), MULTIPART, 400, "invalid_input"),
    ("multipart-q-twice", multipart(("q", "وصل".encode()), ("q", b"x")), MULTIPART, 400, "invalid_input"),
    ("multipart-thousand-parts", multipart(*[(f"f{i}", b"x") for i in range(1_000)]), MULTIPART, 400, None),
    ("multipart-english", multipart(("q", b"Officials met")), MULTIPART, 422, "not_arabic"),
    ("multipart-invalid-utf8", multipart(("q", b"\xd9\x86\xff\xfe")), MULTIPART, 422, "not_arabic"),
    ("plain-text", "q=وصل".encode(), "text/plain", 415, "unsupported_media_type"),
    ("no-content-type", "q=وصل".encode(), "", 415, "unsupported_media_type"),
]


@pytest.mark.parametrize("route", ["/translate", "/detect"])
@pytest.mark.parametrize(
    ("raw", "content_type", "status", "kind"),
    [case[1:] for case in LIBRETRANSLATE_BODIES],
    ids=[case[0] for case in LIBRETRANSLATE_BODIES],
)
def test_malformed_forms_and_multipart_get_a_json_4xx(
    battered: TestClient, route: str, raw: bytes, content_type: str, status: int, kind: str | None
) -> None:
    if route == "/detect" and kind == "not_arabic":
        status, kind = 200, None  # detection reports the share of Arabic letters instead of refusing
    headers = {"content-type": content_type} if content_type else {}
    response = battered.post(route, content=raw, headers=headers)
    if status == 200:
        assert response.status_code == 200 and response.json()[0]["language"] == "ar"
    else:
        assert_json_error(response, status, kind)


@pytest.mark.parametrize(
    "query",
    [b"q=%FF", b"q=%D9%86&q=%D9%86", b"&".join(b"x%d=1" % i for i in range(1_000)), b"q", b"q=&source=ar"],
    ids=["invalid-utf8", "q-twice", "thousand-fields", "q-without-value", "q-empty"],
)
def test_hostile_query_strings_get_a_json_4xx(battered: TestClient, query: bytes) -> None:
    for route in ("/translate", "/detect"):
        assert_json_error(battered.post(f"{route}?{query.decode()}"), 400, "invalid_input")


def test_a_query_string_of_nul_characters_comes_back_as_it_was(battered: TestClient) -> None:
    # No letters, so nothing for the model: LibreTranslate gives such text back unchanged.
    response = battered.post("/translate?q=" + "%00" * 1000)
    assert response.status_code == 200 and response.json() == {"translatedText": "\x00" * 1000}


HOSTILE_HTML = [
    '<img src=x onerror="alert(1)">وصل الوفد',
    "<script>document.write('<p>وصل</p>')</script><p>وصل الوفد</p>",
    "وصل &lt;script&gt;alert(1)&lt;/script&gt; الوفد",
    "<p title='<script>'>وصل</p><!-- <script>alert(1)</script> --><style>p{}</style>",
    "<p>وصل<p>غير مغلق <b><i>الوفد",
    "</p></p><<>>وصل<</",
    "<![CDATA[<script>]]>وصل <?xml x?><!DOCTYPE html>",
    "<p>" * 2_000 + "وصل",
]


@pytest.mark.parametrize("source", HOSTILE_HTML, ids=range(len(HOSTILE_HTML)))
def test_hostile_html_keeps_its_markup_and_adds_none(battered: TestClient, source: str) -> None:
    response = battered.post("/translate", data={"q": source, "format": "html", "source": "ar", "target": "en"})
    assert response.status_code == 200, response.text[:300]
    translated = response.json()["translatedText"]
    pieces = markup.cut(source)
    kept = [source[p.start : p.end] for p in pieces if not p.text]
    # Every piece of markup comes back as it was, in order; the translations between them are escaped text.
    rest = translated
    for tag in kept:
        before, found, rest = rest.partition(tag)
        assert found, f"markup {tag!r} is missing"
        assert "<" not in before and ">" not in before
    assert "<" not in rest and ">" not in rest


# Pages in `html`: whatever the markup, an answer whose offsets index the extracted `text`, or a JSON 422.
HOSTILE_PAGES = [
    *HOSTILE_HTML,
    "",
    "\x00" * 1_000,
    "<html>" + "\ufffd\x01\x02" * 1_000 + "</html>",
    "<div>" * 10_000 + "<p>" + "وصل الوفد إلى القاهرة صباح اليوم. " * 5 + "</p>",
    "<p>" + "وصل الوفد إلى القاهرة صباح اليوم. " * 5 + "</p>" + "</div>" * 10_000,
    '<p title="' + "x" * 100_000 + '">' + "وصل الوفد إلى القاهرة صباح اليوم. " * 5 + "</p>",
    "<article><p>" + "Officials met in Cairo on Thursday to discuss the ceasefire. " * 5 + "</p></article>",
    "<script>" + "وصل الوفد إلى القاهرة. " * 50 + "</script><style>p{}</style>",
    '<meta charset="windows-1256"><p>' + "وصل الوفد إلى القاهرة صباح اليوم. " * 5 + "</p>",
    '<?xml version="1.0" encoding="utf-8"?><html><body><p>' + "وصل الوفد إلى القاهرة. " * 5 + "</p></body></html>",
]
PAGE_REFUSALS = {"validation_error", "no_article", "not_arabic"}


@pytest.mark.slow  # the app reads pages in a worker process, which takes seconds to start
@pytest.mark.parametrize("route", ["/summarize", "/segment"])
@pytest.mark.parametrize("page", HOSTILE_PAGES, ids=range(len(HOSTILE_PAGES)))
def test_hostile_pages_get_an_answer_on_their_extracted_text_or_a_422(
    battered: TestClient, route: str, page: str
) -> None:
    response = battered.post(route, json={"html": page})
    if response.status_code != 200:
        assert assert_json_error(response, 422)["type"] in PAGE_REFUSALS, response.text[:300]
        return
    answer = response.json()
    text = answer["text"]
    assert text.strip() and "<script" not in text and "<p" not in text
    if route == "/segment":
        assert_spans_cover(text, answer)
    else:
        check_answer(route, text, answer)


REQUEST_FIELDS: list[tuple[str, dict[str, Any]]] = [
    ("/summarize", {"text": ARABIC, "html": "<p>وصل</p>"}),
    ("/segment", {"html": None}),
    ("/segment", {"html": {"a": 1}}),
    ("/segment", {"html": ["<p>وصل</p>"]}),
    ("/segment", {"text": ARABIC, "summary": "extractive"}),  # /segment has no summaries
    ("/summarize", {"text": ARABIC, "summary": "EXTRACTIVE"}),
    ("/summarize", {"text": ARABIC, "summary": 1}),
    ("/summarize", {"text": ARABIC, "summary": ["extractive"]}),
    ("/summarize", {"text": ARABIC, "summary": ""}),
]


@pytest.mark.parametrize(("route", "body"), REQUEST_FIELDS, ids=[repr(body)[:60] for _, body in REQUEST_FIELDS])
def test_malformed_html_and_summary_fields_get_422(battered: TestClient, route: str, body: dict[str, Any]) -> None:
    assert_json_error(battered.post(route, json=body), 422, "validation_error")


def test_extractive_summaries_of_odd_text_are_its_own_sentences(battered: TestClient) -> None:
    for case in CASES:
        if case.summarize != OK or case.slow:
            continue
        response = battered.post("/summarize", json={"text": case.text, "summary": "extractive"})
        assert response.status_code == 200, (case.name, response.text[:300])
        for section in response.json()["sections"]:
            pieces = [case.text[s["start"] : s["end"]] for s in section["summary"]["spans"]]
            assert 1 <= len(pieces) <= 3 and section["summary"]["ar"] == " ".join(pieces), case.name
