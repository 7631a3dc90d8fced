"""HTTP routes. Each validates, hands blocking work to the micro-batcher, and returns a schema."""

import platform
from importlib.metadata import PackageNotFoundError, version
from typing import Annotated, Any

import anyio.to_thread
from fastapi import APIRouter, Depends, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from service.digest import Digest, Segmentation
from service.errors import InvalidInput
from service.pipeline import DigestRequest, segment_article

from .schemas import ErrorBody, SegmentRequest, Status, SummarizeRequest, TranslateRequest, TranslateResponse
from .state import ServiceState

router = APIRouter()

_ERRORS: dict[int | str, dict[str, Any]] = {code: {"model": ErrorBody} for code in (400, 413, 422, 429, 503, 504)}
_SOURCES = {"ar", "auto"}
_TARGETS = {"en"}


def get_state(request: Request) -> ServiceState:
    state: ServiceState = request.app.state.khulasa
    return state


State = Annotated[ServiceState, Depends(get_state)]


@router.get("/health", response_model=Status, tags=["operations"])
async def health() -> Status:
    """Liveness: 200 as long as the process serves HTTP."""
    return Status(status="ok")


@router.get("/ready", response_model=Status, responses={503: {"model": ErrorBody}}, tags=["operations"])
async def ready(state: State) -> Status:
    """Readiness: 503 until both models are loaded, then 200."""
    state.require_pipeline()
    return Status(status="ready")


@router.post("/summarize", response_model=Digest, responses=_ERRORS, tags=["digest"])
async def summarize(body: SummarizeRequest, state: State) -> Digest:
    """Bilingual digest of an Arabic article: sections with offsets into `text`, Arabic and English summaries."""
    state.require_pipeline()
    digest: Digest = await state.batcher.submit("digest", DigestRequest(body.text, body.title, body.max_sections))
    return digest


@router.post("/segment", response_model=Segmentation, responses=_ERRORS, tags=["digest"])
async def segment(body: SegmentRequest) -> Segmentation:
    """Title, topical sections with keywords, and removed furniture; no model involved, so it answers while
    the models are still loading."""
    return await anyio.to_thread.run_sync(lambda: segment_article(body.text, max_sections=body.max_sections))


@router.post("/translate", response_model=TranslateResponse, responses=_ERRORS, tags=["translate"])
async def translate(body: TranslateRequest, state: State) -> TranslateResponse:
    """LibreTranslate-compatible Arabic to English; `q` may be a string or a list of strings."""
    if body.source not in _SOURCES or body.target not in _TARGETS:
        raise InvalidInput(
            f"only source 'ar' (or 'auto') and target 'en' are supported, not {body.source}->{body.target}"
        )
    if body.format != "text":
        raise InvalidInput(f"only format 'text' is supported, not {body.format!r}")
    texts = [body.q] if isinstance(body.q, str) else body.q
    if len(texts) > state.settings.max_translate_items:
        raise InvalidInput(f"q holds {len(texts)} texts; at most {state.settings.max_translate_items} per request")
    state.require_pipeline()
    english: list[str] = await state.batcher.submit("translate", texts)
    return TranslateResponse(translatedText=english[0] if isinstance(body.q, str) else english)


@router.get("/languages", tags=["translate"])
async def languages() -> list[dict[str, Any]]:
    """LibreTranslate's language list: what /translate accepts."""
    return [
        {"code": "ar", "name": "Arabic", "targets": sorted(_TARGETS)},
        {"code": "en", "name": "English", "targets": []},
    ]


def _version(package: str) -> str | None:
    try:
        return version(package)
    except PackageNotFoundError:
        return None


@router.get("/info", tags=["operations"])
async def info(state: State) -> dict[str, Any]:
    """Models (ids, revisions, licences, generation settings), device, dtype and library versions."""
    settings = state.settings
    models: dict[str, Any] = {
        "summarizer": {"id": settings.summarizer},
        "translator": {"id": settings.translator},
    }
    if state.engines is not None:
        models = {
            "summarizer": state.engines.summarizer.engine.describe(),
            "translator": state.engines.translator.engine.describe(),
        }
    packages = ("khulasa", "torch", "transformers", "tokenizers", "sentencepiece", "fastapi", "uvicorn")
    return {
        "status": state.status,
        "error": state.error,
        "models": models,
        "device": models["summarizer"].get("device", settings.device),
        "dtype": models["summarizer"].get("dtype", settings.dtype),
        "versions": {"python": platform.python_version(), **{name: _version(name) for name in packages}},
        "limits": {"max_body_bytes": settings.max_body_bytes, "max_queue": settings.max_queue},
    }


@router.get("/metrics", tags=["operations"])
async def metrics(state: State) -> Response:
    """Prometheus exposition format."""
    return Response(generate_latest(state.metrics.registry), media_type=CONTENT_TYPE_LATEST)
