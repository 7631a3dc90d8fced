"""HTTP routes. Each validates, hands blocking work to the micro-batcher, and returns a schema."""

import platform
import sys
from importlib.metadata import PackageNotFoundError, version
from typing import Annotated, Any

import anyio.to_thread
from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from service.config import EXTRACTIVE
from service.digest import Digest, Segmentation
from service.pipeline import DigestRequest, segment_article

from .auth import Authorized
from .errors import error_responses
from .pages import article_text, summary_mode
from .schemas import MAX_SECTIONS, SegmentRequest, Status, SummarizeRequest
from .state import ServiceState
from .stream import SUMMARIZE_ANSWERS, AcceptHeader, summarize_answer

router = APIRouter()

_BODY_ERRORS = (400, 401, 408, 413, 415, 422)
_ERRORS = error_responses(*_BODY_ERRORS, 429, 503, 504)


def get_state(request: Request) -> ServiceState:
    state: ServiceState = request.app.state.khulasa
    return state


State = Annotated[ServiceState, Depends(get_state)]


@router.get("/health", response_model=Status, tags=["operations"])
async def health() -> Status:
    """Liveness: 200 as long as the process serves HTTP."""
    return Status(status="ok")


@router.get("/ready", response_model=Status, responses=error_responses(503), tags=["operations"])
async def ready(state: State) -> Status:
    """Readiness: 503 until both models are loaded, then 200."""
    state.require_pipeline()
    return Status(status="ready")


@router.post(
    "/summarize",
    response_model=Digest,
    responses={**_ERRORS, **SUMMARIZE_ANSWERS},
    dependencies=[Authorized],
    tags=["digest"],
)
async def summarize(body: SummarizeRequest, state: State, accept: AcceptHeader = None) -> Response:
    """Bilingual digest of an Arabic article (or of the article in a web page): sections with offsets into the
    text, Arabic and English summaries.

    With `Accept: application/x-ndjson`, results as they come (docs/api.md, "Results as they come")."""
    mode = summary_mode(body, state.settings)
    text = await article_text(body, state.settings, state.pages)
    state.require_pipeline()
    request = DigestRequest(text, body.title, body.max_sections or MAX_SECTIONS, mode)
    # The cache key: the request as sent, with the defaults it asked for and the article text it came to.
    fields = body.model_dump(mode="json") | {"max_sections": request.max_sections, "summary": mode, "text": text}
    return await summarize_answer(state, fields, request, accept, extracted=None if body.html is None else text)


@router.post(
    "/segment",
    response_model=Segmentation,
    responses=error_responses(*_BODY_ERRORS),
    dependencies=[Authorized],
    tags=["digest"],
)
async def segment(body: SegmentRequest, state: State) -> Segmentation:
    """Title, topical sections with keywords and the subheading each opens with, and removed furniture; no model
    involved, so it answers while the models are still loading."""
    text = await article_text(body, state.settings, state.pages)
    most = body.max_sections or MAX_SECTIONS
    found = await anyio.to_thread.run_sync(lambda: segment_article(text, max_sections=most))
    return found if body.html is None else found.model_copy(update={"text": text})


def _version(package: str) -> str | None:
    try:
        return version(package)
    except PackageNotFoundError:
        return None


_HEAVY = ("torch", "transformers", "ctranslate2")


@router.get("/info", responses=error_responses(401), dependencies=[Authorized], tags=["operations"])
async def info(state: State) -> dict[str, Any]:
    """Models (ids, revisions, licences, generation settings), device, dtype and library versions."""
    settings = state.settings
    models: dict[str, Any] = {
        "summarizer": {"id": settings.summarizer},
        "translator": {"id": settings.translator},
    }
    if state.engines is not None:
        models = {
            "summarizer": state.engines.summarizer.describe(),
            "translator": state.engines.translator.describe(),
        }
    packages = ("khulasa", "torch", "transformers", "ctranslate2", "tokenizers", "sentencepiece", "fastapi", "uvicorn")
    return {
        "status": state.status,
        "error": state.error,
        "models": models,
        "device": models["summarizer"].get("device", settings.device),
        "dtype": models["summarizer"].get("dtype", settings.dtype),
        "versions": {"python": platform.python_version(), **{name: _version(name) for name in packages}},
        # Which of the heavy libraries this process has imported (installed is not loaded): the CTranslate2
        # backend serves without torch and transformers.
        "loaded": {name: sys.modules.get(name) is not None for name in _HEAVY},
        "limits": {
            "max_body_bytes": settings.max_body_bytes,
            "max_queue": settings.max_queue,
            "max_text_chars": settings.max_text_chars,
            "max_translate_items": settings.max_translate_items,
            "max_sections": MAX_SECTIONS,
            "body_timeout_s": settings.body_timeout_s,
        },
        "api_keys_required": bool(settings.api_keys),
        # Which summaries this server gives: with KHULASA_SUMMARIZER=extractive, no model and extractive only.
        "summary": {
            "default": settings.default_summary(),
            "modes": ["extractive"] if settings.summarizer == EXTRACTIVE else ["abstractive", "extractive"],
        },
    }


@router.get(
    "/metrics",
    response_class=PlainTextResponse,
    responses=error_responses(401),
    dependencies=[Authorized],
    tags=["operations"],
)
async def metrics(state: State) -> Response:
    """Prometheus exposition format."""
    return Response(generate_latest(state.metrics.registry), media_type=CONTENT_TYPE_LATEST)
