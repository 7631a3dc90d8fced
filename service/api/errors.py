"""One place that turns exceptions into JSON errors: {"error": message, "type": code}."""

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from service.errors import DeadlineExceeded, InvalidInput, KhulasaError, NotReady, Overloaded, PayloadTooLarge

log = logging.getLogger(__name__)

_STATUS: dict[type[KhulasaError], int] = {
    InvalidInput: 400,
    PayloadTooLarge: 413,
    Overloaded: 429,
    NotReady: 503,
    DeadlineExceeded: 504,
}
# FastAPI raises a bare 400 when it cannot decode the body at all (invalid UTF-8, for one).
_HTTP_CODES = {
    400: "invalid_json",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
}


def error_response(status: int, message: str, code: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": message, "type": code}, status_code=status, headers=headers)


def _validation_message(error: RequestValidationError) -> tuple[int, str, str]:
    problems = error.errors()
    if any(problem.get("type") == "json_invalid" for problem in problems):
        return 400, "request body is not valid JSON", "invalid_json"
    parts = []
    for problem in problems:
        where = ".".join(str(part) for part in problem.get("loc", ()) if part != "body") or "body"
        parts.append(f"{where}: {str(problem.get('msg', 'invalid')).removeprefix('Value error, ')}")
    return 422, "; ".join(parts), "validation_error"


def install_error_handlers(app: FastAPI) -> None:
    """Map the core's exceptions, validation errors and HTTP errors to JSON bodies."""

    @app.exception_handler(KhulasaError)
    async def _core(_: Request, error: KhulasaError) -> JSONResponse:
        status = next((code for cls, code in _STATUS.items() if isinstance(error, cls)), 500)
        headers = {"Retry-After": "1"} if status in (429, 503) else None
        return error_response(status, str(error), error.code, headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, error: RequestValidationError) -> JSONResponse:
        return error_response(*_validation_message(error))

    @app.exception_handler(HTTPException)
    async def _http(_: Request, error: HTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(error.status_code, "http_error")
        return error_response(error.status_code, str(error.detail), code, getattr(error, "headers", None))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, error: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response(500, "internal error; see the server log", "internal_error")
