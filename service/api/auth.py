"""Optional API keys: `Authorization: Bearer KEY` on the routes that do work or tell about the deployment."""

import hmac
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from service.errors import Forbidden, Unauthorized

# auto_error=False: a missing header is ours to answer (JSON 401), and with no keys configured it is no error.
_bearer = HTTPBearer(auto_error=False, description="one of KHULASA_API_KEYS; not needed when none are set")


def key_matches(candidate: str, keys: list[str]) -> bool:
    """Whether `candidate` is one of `keys`, compared in constant time and against every key, so the answer's
    timing tells nothing about how much of a key was right or which one it was."""
    given = candidate.encode("utf-8", "surrogatepass")
    matched = False
    for key in keys:
        matched |= hmac.compare_digest(given, key.encode("utf-8", "surrogatepass"))
    return matched


BearerCredentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


async def require_api_key(request: Request, credentials: BearerCredentials) -> None:
    """Refuse the request (Unauthorized, 401) when KHULASA_API_KEYS is set and it carries none of the keys as
    `Authorization: Bearer KEY`."""
    keys: list[str] = request.app.state.khulasa.settings.api_keys
    if not keys:
        return
    if credentials is not None and key_matches(credentials.credentials, keys):
        return
    raise Unauthorized("a valid API key is required: send the header 'Authorization: Bearer KEY'")


def check_libretranslate_key(request: Request, credentials: HTTPAuthorizationCredentials | None, api_key: Any) -> None:
    """The LibreTranslate routes' keys: `Authorization: Bearer KEY`, or `api_key` in the body, form or query.

    With KHULASA_API_KEYS set, an `api_key` that is none of them is Forbidden (403, "Invalid API key", as
    LibreTranslate answers), and a request with no key at all is Unauthorized (401). A non-empty `api_key` with
    no keys configured is accepted and ignored: clients such as deep-translator always send one.
    """
    keys: list[str] = request.app.state.khulasa.settings.api_keys
    if not keys:
        return
    if credentials is not None and key_matches(credentials.credentials, keys):
        return
    if api_key is not None and api_key != "":
        if isinstance(api_key, str) and key_matches(api_key, keys):
            return
        raise Forbidden("Invalid API key")
    raise Unauthorized("a valid API key is required: send api_key, or the header 'Authorization: Bearer KEY'")


Authorized = Depends(require_api_key)


def document_open_access(app: FastAPI) -> None:
    """Make `app`'s OpenAPI schema say that no route needs a key: for a service started without API keys.

    The routes declare Bearer auth (and its 401) statically; left in, the schema would tell clients and
    generated SDKs that a key is required when none is.
    """
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = generate()  # FastAPI keeps it as app.openapi_schema: edited in place, once
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                operation.pop("security", None)
                operation.get("responses", {}).pop("401", None)
        schema.get("components", {}).pop("securitySchemes", None)
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
