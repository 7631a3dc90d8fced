"""One place that turns exceptions into JSON errors: {"error": message, "type": code}."""

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from service.errors import (
    DeadlineExceeded,
    Forbidden,
    InvalidInput,
    KhulasaError,
    NotReady,
    Overloaded,
    PayloadTooLarge,
    ResourceExhausted,
    Unauthorized,
    Unavailable,
    Unprocessable,
    UnsupportedMediaType,
)

from .schemas import ErrorBody

log = logging.getLogger(__name__)

# Looked up along the exception's class hierarchy, so the most specific class wins (Unprocessable before
# InvalidInput).
_STATUS: dict[type[KhulasaError], int] = {
    InvalidInput: 400,
    Unauthorized: 401,
    Forbidden: 403,
    PayloadTooLarge: 413,
    UnsupportedMediaType: 415,
    Unprocessable: 422,
    Overloaded: 429,
    NotReady: 503,
    Unavailable: 503,
    DeadlineExceeded: 504,
    ResourceExhausted: 503,
}
_HEADERS: dict[int, dict[str, str]] = {
    401: {"WWW-Authenticate": 'Bearer realm="khulasa"'},
    429: {"Retry-After": "1"},
    503: {"Retry-After": "1"},
}
# FastAPI raises a bare 400 when it cannot decode the body at all (invalid UTF-8, for one).
_HTTP_CODES = {
    400: "invalid_json",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
}
_TYPE_TAGS = {"str", "int", "float", "bool", "list", "dict", "none"}
_WHEN = {
    400: "the body is not JSON, or names an unsupported language pair or format",
    401: "API keys are configured and the request carries none of them",
    403: "the request's api_key is not one of the configured keys",
    408: "the body did not arrive within KHULASA_BODY_TIMEOUT_S",
    413: "the body is over KHULASA_MAX_BODY_BYTES",
    415: "the body is not sent as application/json",
    422: "a field is missing, mistyped or out of range; the text is over its limit or not Arabic",
    429: "too many requests are waiting; retry after Retry-After seconds",
    503: (
        "models are loading or failed to load, the model ran out of memory on this request, or (on Ray) the replica"
        " serving it stopped; retry after Retry-After seconds"
    ),
    504: "the request ran past KHULASA_REQUEST_TIMEOUT_S, queueing included; its work was stopped",
}


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for a route: each status with the ErrorBody schema and when it happens."""
    return {status: {"model": ErrorBody, "description": _WHEN[status]} for status in statuses}


def status_of(error: KhulasaError) -> int:
    """The HTTP status of a core error: the entry of its nearest class in the hierarchy, else 500."""
    for cls in type(error).__mro__:
        if cls in _STATUS:
            return _STATUS[cls]
    return 500


def error_response(status: int, message: str, code: str, headers: dict[str, str] | None = None) -> JSONResponse:
    """The JSON error body. A lone surrogate sent by the client and echoed in `message` (a field name, say)
    cannot be encoded as UTF-8; it is written as a backslash escape instead of failing the response."""
    printable = message.encode("utf-8", "backslashreplace").decode("utf-8")
    return JSONResponse({"error": printable, "type": code}, status_code=status, headers=headers)


def _where(location: tuple[int | str, ...]) -> str:
    # pydantic puts the member type of a union in the location ("q.list[str].1", "q.function-after[...]"):
    # internal names that mean nothing to a client. Field names never hold brackets.
    parts = [str(part) for part in location if part != "body" and part not in _TYPE_TAGS and "[" not in str(part)]
    return ".".join(parts) or "body"


def _validation_message(error: RequestValidationError) -> tuple[int, str, str]:
    problems = error.errors()
    if any(problem.get("type") == "json_invalid" for problem in problems):
        return 400, "request body is not valid JSON", "invalid_json"
    parts: list[str] = []
    for problem in problems:
        message = (
            f"{_where(problem.get('loc', ()))}: {str(problem.get('msg', 'invalid')).removeprefix('Value error, ')}"
        )
        if message not in parts:
            parts.append(message)
    return 422, "; ".join(parts), "validation_error"


def install_error_handlers(app: FastAPI) -> None:
    """Map the core's exceptions, validation errors and HTTP errors to JSON bodies."""

    @app.exception_handler(KhulasaError)
    async def _core(request: Request, error: KhulasaError) -> JSONResponse:
        status = status_of(error)
        if status >= 500 and not isinstance(error, NotReady):
            log.warning("%s on %s %s: %s", error.code, request.method, request.url.path, error)
        return error_response(status, str(error), error.code, _HEADERS.get(status))

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, error: RequestValidationError) -> JSONResponse:
        return error_response(*_validation_message(error))

    @app.exception_handler(HTTPException)
    async def _http(_: Request, error: HTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(error.status_code, "http_error")
        return error_response(error.status_code, str(error.detail), code, getattr(error, "headers", None))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, error: Exception) -> JSONResponse:
        # The body names nothing internal (no exception class, message or path); the log has the traceback.
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response(500, "internal error; see the server log", "internal_error")
