"""LibreTranslate's request parameters: one flat mapping from the query string and a JSON, form or multipart body.

LibreTranslate clients send the same fields every way there is: JSON (`libretranslate-ts`), a form-encoded body
(`libretranslatepy`, browsers), multipart (integrations that post FormData) or only the query string with an
empty body (`deep-translator`). The body wins over the query string; the query string fills in what the body
lacks. Text is decoded strictly as UTF-8: a byte that is not is refused, never replaced.
"""

import json
from typing import Any
from urllib.parse import parse_qsl

from fastapi import Request
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException

from service.errors import InvalidInput, InvalidJson, UnsupportedMediaType

from .intake import is_json_media_type

# Far more than any LibreTranslate client sends; bounds the work a hostile form can cause.
MAX_FIELDS = 64
_FORM = "application/x-www-form-urlencoded"
_MULTIPART = "multipart/form-data"


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";", 1)[0].strip().lower()


def _urlencoded(raw: bytes, where: str) -> list[tuple[str, str]]:
    try:
        return parse_qsl(
            raw.decode("utf-8"), keep_blank_values=True, encoding="utf-8", errors="strict", max_num_fields=MAX_FIELDS
        )
    except UnicodeDecodeError:
        raise InvalidInput(f"Invalid request: the {where} is not UTF-8 text") from None
    except ValueError:
        raise InvalidInput(f"Invalid request: the {where} has more than {MAX_FIELDS} fields") from None


def _unique(pairs: list[tuple[str, Any]], known: frozenset[str], where: str) -> dict[str, Any]:
    """The pairs as a mapping. A known field given twice is refused: taking either one would drop the other."""
    fields: dict[str, Any] = {}
    for name, value in pairs:
        if name in fields and name in known:
            raise InvalidInput(f"Invalid request: {name} is given more than once in the {where}")
        fields.setdefault(name, value)
    return fields


def _json(raw: bytes) -> dict[str, Any]:
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise InvalidJson("request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise InvalidJson("Invalid JSON format")
    return body


async def _multipart(request: Request, known: frozenset[str]) -> dict[str, Any]:
    try:
        form = await request.form(max_files=MAX_FIELDS, max_fields=MAX_FIELDS)
    except HTTPException as error:  # Starlette's answer to a malformed or oversized multipart body
        raise InvalidInput(f"Invalid request: multipart body: {error.detail}") from None
    try:
        pairs: list[tuple[str, Any]] = []
        for name, value in form.multi_items():
            if isinstance(value, UploadFile):
                if name in known:
                    raise InvalidInput(f"Invalid request: {name} came as a file; send it as a text field")
                continue
            pairs.append((name, value))
        return _unique(pairs, known, "body")
    finally:
        await form.close()


async def read_params(request: Request, known: frozenset[str]) -> dict[str, Any]:
    """The request's parameters: the body's (JSON object, form or multipart) over the query string's.

    `known`: the route's field names; one of them given twice in a form or query string is an error. Raises
    InvalidJson (400) for a body that is not a JSON object, InvalidInput (400) for undecodable or malformed forms,
    UnsupportedMediaType (415) for a body of any other type. The body is already bounded by BodyLimitMiddleware.
    """
    query = _unique(_urlencoded(request.scope.get("query_string", b""), "query string"), known, "query string")
    raw = await request.body()
    media_type = _media_type(request)
    if not raw:
        body: dict[str, Any] = {}
    elif is_json_media_type(media_type):
        body = _json(raw)
    elif media_type == _FORM:
        body = _unique(_urlencoded(raw, "form body"), known, "body")
    elif media_type == _MULTIPART:
        body = await _multipart(request, known)
    else:
        came = f"as {media_type[:100]}" if media_type else "without Content-Type"
        raise UnsupportedMediaType(
            f"the body must be sent as application/json, {_FORM} or {_MULTIPART}; it came {came}"
        )
    return {**query, **body}
