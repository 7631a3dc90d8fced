"""Optional API keys: `Authorization: Bearer KEY` on the routes that do work or tell about the deployment."""

import hmac
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from service.errors import Unauthorized

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


async def _body_api_key(request: Request) -> str | None:
    # LibreTranslate clients send their key as `api_key` in the JSON body. FastAPI has already read and parsed
    # the body by the time dependencies run; this reads the cached copy.
    if request.url.path != "/translate":
        return None
    try:
        body: Any = await request.json()
    except ValueError:
        return None
    key = body.get("api_key") if isinstance(body, dict) else None
    return key if isinstance(key, str) else None


async def require_api_key(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> None:
    """Refuse the request (Unauthorized, 401) when KHULASA_API_KEYS is set and it carries none of the keys.

    The key comes as `Authorization: Bearer KEY`, or on /translate also as the body's `api_key`.
    """
    keys: list[str] = request.app.state.khulasa.settings.api_keys
    if not keys:
        return
    if credentials is not None and key_matches(credentials.credentials, keys):
        return
    body_key = await _body_api_key(request)
    if body_key is not None and key_matches(body_key, keys):
        return
    raise Unauthorized("a valid API key is required: send the header 'Authorization: Bearer KEY'")


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
