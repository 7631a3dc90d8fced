"""/summarize answers: the plain JSON digest, or with `Accept: application/x-ndjson` results as they come.

The stream is one JSON object a line: `sections` (the segmentation, sent before any model runs), then `summary`
and `translation` lines per section and a `title` line as each model stage ends, and last `digest`, whose `digest`
is byte for byte the plain answer (but for U+0085, U+2028 and U+2029, written as escapes so that each event stays
on one line for every reader). A failure after the first line is an `error` line, and the stream ends. A client
that goes away cancels the rest of its work. Both forms go through the answer cache (service/api/cache.py).
"""

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from typing import Annotated, Any, TypeVar

import anyio.to_thread
from fastapi import Header
from fastapi.responses import JSONResponse, Response, StreamingResponse
from pydantic import BaseModel
from starlette.types import Receive, Scope, Send

from service.digest import BilingualText, Segmentation
from service.errors import KhulasaError
from service.pipeline import DigestRequest, StageResult, segment_article

from .cache import answer_key, remembered
from .errors import status_of
from .state import ServiceState

log = logging.getLogger(__name__)
Model = TypeVar("Model", bound=BaseModel)

NDJSON = "application/x-ndjson"
CACHE_HEADER = "X-Khulasa-Cache"
_ROUTE = "/summarize"

AcceptHeader = Annotated[
    str | None,
    Header(description=f"{NDJSON}: results as they come, one JSON object a line; otherwise the whole digest"),
]
# The cache's header, on /summarize and /translate answers while the cache is on (it is absent when it is off).
CACHE_HEADER_DOC = {
    CACHE_HEADER: {
        "description": "hit: a remembered answer (or one shared with an identical request in flight); "
        "miss: computed for this request",
        "schema": {"type": "string", "enum": ["hit", "miss"]},
    }
}
_EVENT_DOC = (
    "With Accept: application/x-ndjson: one JSON object a line, `event` sections, summary, translation, title, "
    "then digest (the plain answer) or error"
)
SUMMARIZE_ANSWERS: dict[int | str, dict[str, Any]] = {
    200: {
        "headers": CACHE_HEADER_DOC,
        "content": {NDJSON: {"schema": {"type": "string", "description": _EVENT_DOC}}},
    }
}


def wants_stream(accept: str | None) -> bool:
    """True when the Accept header prefers NDJSON to JSON (any q > 0 for NDJSON, no higher q for JSON)."""
    weights: dict[str, float] = {}
    for part in (accept or "").split(","):
        kind, *parameters = (piece.strip() for piece in part.split(";"))
        weight = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        weights[kind.lower()] = max(weights.get(kind.lower(), 0.0), weight)
    ndjson = weights.get(NDJSON, 0.0)
    return ndjson > 0 and ndjson >= weights.get("application/json", 0.0)


def render(model: BaseModel, *, exclude_none: bool = False) -> bytes:
    """The bytes FastAPI would send for `model` as a JSON answer."""
    return bytes(JSONResponse(model.model_dump(mode="json", exclude_none=exclude_none)).body)


def json_answer(content: bytes, outcome: str | None) -> Response:
    """A JSON answer of ready bytes, with the cache outcome header when the cache is on."""
    headers = {CACHE_HEADER: outcome} if outcome else None
    return Response(content, media_type="application/json", headers=headers)


def _key(state: ServiceState, request: dict[str, Any]) -> str:
    return answer_key(_ROUTE, request, state.identity)


async def summarize_answer(
    state: ServiceState, request: dict[str, Any], job: DigestRequest, accept: str | None, extracted: str | None
) -> Response:
    """The answer to a validated /summarize: `request` is its fields as validated (what keys the cache), `job`
    what the pipeline runs, `extracted` the article text taken from a page (the answer then carries it)."""
    if wants_stream(accept):
        return await _stream(state, request, job, extracted)

    async def compute() -> bytes:
        return render(_with_text(await state.batcher.submit("digest", job), extracted))

    content, outcome = await remembered(state.cache, lambda: _key(state, request), compute)
    state.metrics.count_cache(_ROUTE, outcome)
    return json_answer(content, outcome)


class _DigestStream(StreamingResponse):
    """An NDJSON response that stops its work however the response ends (finished, failed, client gone)."""

    def __init__(self, events: AsyncIterator[bytes], stop: Callable[[], None], headers: dict[str, str]) -> None:
        super().__init__(events, media_type=NDJSON, headers=headers)
        self.stop = stop

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self.stop()


def _with_text(answer: Model, extracted: str | None) -> Model:
    return answer if extracted is None else answer.model_copy(update={"text": extracted})


async def _stream(state: ServiceState, request: dict[str, Any], job: DigestRequest, extracted: str | None) -> Response:
    found = await anyio.to_thread.run_sync(lambda: segment_article(job.text, max_sections=job.max_sections))
    segmentation = _with_text(found, extracted)
    cache = state.cache
    key = _key(state, request) if cache is not None else None
    stored = await cache.lookup(key) if cache is not None and key is not None else None
    outcome = None
    if cache is not None and key is not None:
        outcome = "hit" if stored is not None or cache.in_flight(key) else "miss"
    state.metrics.count_cache(_ROUTE, outcome)
    work: list[asyncio.Task[bytes]] = []

    def stop() -> None:
        for task in work:
            task.cancel()

    def start(report: Callable[[StageResult], None]) -> "asyncio.Task[bytes]":
        live = replace(job, report=report)

        async def compute() -> bytes:
            return render(_with_text(await state.batcher.submit("digest", live), extracted))

        waiting = cache.flight(key, compute)[0].wait() if cache is not None and key is not None else compute()
        work.append(asyncio.ensure_future(waiting))
        return work[-1]

    events = _events(segmentation, stored, start)
    return _DigestStream(events, stop, {CACHE_HEADER: outcome} if outcome else {})


# JSON lets these stand unescaped in strings, but Python's str.splitlines() and some NDJSON readers end a line at
# them: escaped, every event stays on its line. (UTF-8 never holds these bytes as part of another character.)
_LINE_BREAKS = ((b"\xc2\x85", b"\\u0085"), (b"\xe2\x80\xa8", b"\\u2028"), (b"\xe2\x80\xa9", b"\\u2029"))


def _one_line(raw: bytes) -> bytes:
    for found, escaped in _LINE_BREAKS:
        raw = raw.replace(found, escaped)
    return raw


def _line(event: dict[str, Any]) -> bytes:
    return _one_line(json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode()) + b"\n"


async def _events(
    segmentation: Segmentation,
    stored: bytes | None,
    start: Callable[[Callable[[StageResult], None]], "asyncio.Task[bytes]"],
) -> AsyncIterator[bytes]:
    yield _line({"event": "sections", **segmentation.model_dump(mode="json")})
    sent: set[str] = set()
    if stored is None:
        loop = asyncio.get_running_loop()
        results: asyncio.Queue[StageResult] = asyncio.Queue()

        def report(result: StageResult) -> None:
            # Called from the pipeline's worker thread.
            loop.call_soon_threadsafe(results.put_nowait, result)

        work = start(report)
        try:
            async for result in _as_ready(results, work):
                sent.add(result.stage)
                for line in _stage_lines(result):
                    yield line
            stored = work.result()
        except KhulasaError as error:
            yield _line({"event": "error", "status": status_of(error), "error": str(error), "type": error.code})
            return
        except Exception:
            log.exception("a streamed digest failed")
            yield _line({"event": "error", "status": 500, "error": "internal error; see the server log",
                         "type": "internal_error"})  # fmt: skip
            return
        finally:
            work.cancel()
    for result in _stage_results(json.loads(stored)):
        if result.stage not in sent:
            for line in _stage_lines(result):
                yield line
    yield b'{"event":"digest","digest":' + _one_line(stored) + b"}\n"


async def _as_ready(results: "asyncio.Queue[StageResult]", work: "asyncio.Task[bytes]") -> AsyncIterator[StageResult]:
    """Each stage result as it arrives, until `work` ends (its result is then for the caller to take)."""
    while not work.done():
        arrival = asyncio.ensure_future(results.get())
        try:
            await asyncio.wait({arrival, work}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            arrival.cancel()
        if arrival.done() and not arrival.cancelled():
            yield arrival.result()
    # The pipeline's thread reports each stage before its batch ends, so what it reported is queued by now.
    while not results.empty():
        yield results.get_nowait()


def _stage_results(digest: dict[str, Any]) -> list[StageResult]:
    """A finished digest's results as the pipeline reports them while it runs."""
    title = BilingualText(**digest["title"]) if digest.get("title") else None
    summaries = [section["summary"] for section in digest["sections"]]
    return [
        StageResult("summarize", [summary["ar"] for summary in summaries]),
        StageResult("translate", [summary["en"] for summary in summaries], title),
    ]


def _stage_lines(result: StageResult) -> list[bytes]:
    language, event = ("ar", "summary") if result.stage == "summarize" else ("en", "translation")
    lines = [_line({"event": event, "index": index, language: text}) for index, text in enumerate(result.sections)]
    if result.title is not None:
        lines.append(_line({"event": "title", "ar": result.title.ar, "en": result.title.en}))
    return lines
