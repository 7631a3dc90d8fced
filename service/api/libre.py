"""The LibreTranslate API for Arabic to English, as LibreTranslate serves it: /translate, /detect, /languages,
/frontend/settings and /spec.

Parameters come from JSON, a form, multipart or the query string (service/api/params.py) and unknown ones are
ignored; errors use LibreTranslate's status codes and messages, in the service's `{"error", "type"}` body.
"""

import re
from typing import Any, TypeVar

from fastapi import APIRouter, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

from service.errors import InvalidInput, Overloaded
from service.text.script import count_letters

from .auth import BearerCredentials, check_libretranslate_key
from .cache import answer_key, remembered
from .errors import error_responses
from .params import read_params
from .schemas import Detection, DetectRequest, TranslateRequest, TranslateResponse
from .state import ServiceState
from .stream import CACHE_HEADER_DOC, json_answer, render
from .texts import check_translation
from .units import Item, as_is, assemble, items_of, needs_model

router = APIRouter(tags=["translate"])
Model = TypeVar("Model", bound=BaseModel)

SOURCES = {"ar", "auto"}
TARGETS = {"en"}
FORMATS = {"text", "html"}
# Each alternative widens the beam by one; beyond a handful they cost more than they tell.
MAX_ALTERNATIVES = 8
_DIGITS = re.compile(r"[0-9]{1,6}")
_TRANSLATE_FIELDS = frozenset(TranslateRequest.model_fields)
_DETECT_FIELDS = frozenset(DetectRequest.model_fields)
_ENCODINGS = (
    "Parameters may also come form-encoded (application/x-www-form-urlencoded), as multipart/form-data or in the "
    "query string; the body's win over the query string's. Unknown parameters are ignored."
)
_ERRORS = error_responses(400, 401, 403, 408, 413, 415, 422, 429, 503, 504)
_Q_SCHEMA = {
    "anyOf": [
        {"type": "string", "minLength": 1},
        {"type": "array", "items": {"type": "string"}, "minItems": 1},
    ],
    "examples": ["وصل الوفد.", ["وصل الوفد.", "بدأ الاجتماع."]],
}


def _body_schema(properties: dict[str, Any]) -> dict[str, Any]:
    schema = {"type": "object", "required": ["q"], "properties": properties}
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


_TRANSLATE_BODY = _body_schema(
    {
        "q": _Q_SCHEMA,
        "source": {"type": "string", "default": "ar", "description": '"ar" or "auto"'},
        "target": {"type": "string", "default": "en"},
        "format": {"type": "string", "default": "text", "description": '"text" or "html"'},
        "api_key": {"type": "string"},
        "alternatives": {
            "anyOf": [
                {"type": "integer", "minimum": 0, "maximum": MAX_ALTERNATIVES},
                {"type": "string", "pattern": "^[0-8]$"},
            ],
            "default": 0,
        },
    }
)
_DETECT_BODY = _body_schema({"q": _Q_SCHEMA, "api_key": {"type": "string"}})


def _state(request: Request) -> ServiceState:
    state: ServiceState = request.app.state.khulasa
    return state


def _validated(model: type[Model], params: dict[str, Any]) -> Model:
    if params.get("q") in (None, "", []):
        raise InvalidInput("Invalid request: missing q parameter")
    try:
        return model.model_validate(params)
    except ValidationError as error:
        raise RequestValidationError(error.errors()) from None


async def _params(request: Request, credentials: BearerCredentials, fields: frozenset[str]) -> dict[str, Any]:
    params = await read_params(request, fields)
    check_libretranslate_key(request, credentials, params.get("api_key"))
    # An empty source, target or format means its default, as LibreTranslate reads an empty format.
    return {name: value for name, value in params.items() if not (name != "q" and value in ("", None))}


def _alternatives(value: int | str) -> int:
    if isinstance(value, str):
        if not _DIGITS.fullmatch(value):
            raise InvalidInput("Invalid request: alternatives parameter is not a number")
        value = int(value)
    if not 0 <= value <= MAX_ALTERNATIVES:
        raise InvalidInput(f"Invalid request: alternatives must be from 0 to {MAX_ALTERNATIVES}")
    return value


def _detection(text: str) -> Detection:
    return Detection(confidence=round(count_letters(text).arabic_share * 100, 2), language="ar")


def _check_request(body: TranslateRequest, max_items: int) -> int:
    for value, supported in ((body.source, SOURCES), (body.target, TARGETS)):
        if value not in supported:
            raise InvalidInput(f"{value} is not supported")
    if body.format not in FORMATS:
        raise InvalidInput(f"{body.format} format is not supported")
    count = len(body.q) if isinstance(body.q, list) else 1
    if count > max_items:
        raise InvalidInput(f"Invalid request: q holds {count} texts; at most {max_items} per request")
    return _alternatives(body.alternatives)


async def _translate_units(state: ServiceState, units: list[str], count: int) -> tuple[list[str], list[list[str]]]:
    """Translations and alternatives of `units`: those without letters as they are, the rest through the model."""
    asked = [unit for unit in units if needs_model(unit)]
    try:
        if not asked:
            best, runners_up = [], []
        elif count:
            best, runners_up = await state.batcher.submit("alternatives", (asked, count))
        else:
            best = await state.batcher.submit("translate", asked)
            runners_up = [[] for _ in asked]
    except Overloaded as error:
        raise Overloaded(f"Slowdown: {error}") from None
    answers, alternatives = iter(best), iter(runners_up)
    pairs = [(next(answers), next(alternatives)) if needs_model(unit) else (as_is(unit), []) for unit in units]
    return [answer for answer, _ in pairs], [alts for _, alts in pairs]


@router.post("/translate", response_model=TranslateResponse, response_model_exclude_none=True,
             responses={**_ERRORS, 200: {"headers": CACHE_HEADER_DOC}},
             openapi_extra=_TRANSLATE_BODY, description=_ENCODINGS)  # fmt: skip
async def translate(request: Request, credentials: BearerCredentials) -> Response:
    """LibreTranslate-compatible Arabic to English; `q` may be a string or a list of strings."""
    state = _state(request)
    body = _validated(TranslateRequest, await _params(request, credentials, _TRANSLATE_FIELDS))
    count = _check_request(body, state.settings.max_translate_items)
    texts = [body.q] if isinstance(body.q, str) else body.q
    items = items_of(texts, html=body.format == "html")
    readable = [item.readable for item in items]
    check_translation(readable[0] if isinstance(body.q, str) else readable, state.settings.max_text_chars)
    state.require_pipeline()

    async def compute() -> bytes:
        best, runners_up = await _translate_units(state, [unit for item in items for unit in item.units], count)
        answers: list[tuple[str, list[str]]] = []
        position = 0
        for item in items:
            own = slice(position, position + len(item.units))
            position += len(item.units)
            answers.append(assemble(item, best[own], runners_up[own]))
        return render(_response(body, items, answers, count), exclude_none=True)

    # Keyed by the parameters as read, so JSON, form, multipart and query-string requests share answers.
    fields = body.model_dump(mode="json", exclude={"api_key"}) | {"alternatives": count}
    content, outcome = await remembered(state.cache, lambda: answer_key("/translate", fields, state.identity), compute)
    state.metrics.count_cache("/translate", outcome)
    return json_answer(content, outcome)


def _response(
    body: TranslateRequest, items: list[Item], answers: list[tuple[str, list[str]]], count: int
) -> TranslateResponse:
    detections = [_detection(item.readable) for item in items] if body.source == "auto" else None
    if isinstance(body.q, str):
        (translation, alternatives), *_ = answers
        return TranslateResponse(
            translatedText=translation,
            alternatives=alternatives if count else None,
            detectedLanguage=detections[0] if detections else None,
        )
    return TranslateResponse(
        translatedText=[translation for translation, _ in answers],
        alternatives=[alternatives for _, alternatives in answers] if count else None,
        detectedLanguage=detections,
    )


@router.post("/detect", response_model=list[Detection], responses=error_responses(400, 401, 403, 408, 413, 415, 422),
             openapi_extra=_DETECT_BODY, description=_ENCODINGS)  # fmt: skip
async def detect(request: Request, credentials: BearerCredentials) -> list[Detection]:
    """LibreTranslate's language detection: always Arabic, the only source there is, with the share of the letters
    that are Arabic as confidence (0 to 100). No model involved: it answers while models load."""
    state = _state(request)
    body = _validated(DetectRequest, await _params(request, credentials, _DETECT_FIELDS))
    texts = [body.q] if isinstance(body.q, str) else body.q
    check_translation("\n".join(texts), state.settings.max_text_chars, arabic=False)
    return [_detection("\n".join(texts))]


@router.get("/languages")
async def languages() -> list[dict[str, Any]]:
    """LibreTranslate's language list: what /translate accepts."""
    return [
        {"code": "ar", "name": "Arabic", "targets": sorted(TARGETS)},
        {"code": "en", "name": "English", "targets": []},
    ]


@router.get("/frontend/settings", tags=["frontend"])
async def frontend_settings(request: Request) -> dict[str, Any]:
    """LibreTranslate's settings for web front ends: limits, whether keys are needed, the language pair."""
    settings = _state(request).settings
    return {
        "charLimit": settings.max_text_chars,
        "frontendTimeout": 500,
        "apiKeys": bool(settings.api_keys),
        "keyRequired": bool(settings.api_keys),
        "suggestions": False,
        "filesTranslation": False,
        "supportedFilesFormat": [],
        "language": {"source": {"code": "ar", "name": "Arabic"}, "target": {"code": "en", "name": "English"}},
    }


@router.get("/spec", tags=["frontend"])
async def spec(request: Request) -> dict[str, Any]:
    """The API's OpenAPI document, where LibreTranslate serves its own (the same as /openapi.json)."""
    document: dict[str, Any] = request.app.openapi()
    return document
