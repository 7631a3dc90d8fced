"""What a request body must be before anyone reads it: JSON (415 otherwise), and on time (408 otherwise)."""

import asyncio
from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .errors import error_response

_BODY_METHODS = ("POST", "PUT", "PATCH")


def is_json_media_type(content_type: str) -> bool:
    """application/json or application/*+json, parameters (charset) ignored: what FastAPI parses as JSON."""
    media_type = content_type.split(";", 1)[0].strip().lower()
    return media_type == "application/json" or (media_type.startswith("application/") and media_type.endswith("+json"))


class JsonOnlyMiddleware:
    """Answer 415 on the JSON routes to a body not declared as JSON (no Content-Type included), before it is read.

    FastAPI would otherwise hand a form, a plain-text body or an undeclared one to validation as raw bytes and
    answer a puzzling 422 about a missing object.
    """

    def __init__(self, app: ASGIApp, json_paths: Callable[[], set[str]]) -> None:
        self.app = app
        self.json_paths = json_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in _BODY_METHODS and scope["path"] in self.json_paths():
            declared = dict(scope["headers"]).get(b"content-type", b"").decode("latin-1")
            if not is_json_media_type(declared):
                media_type = declared.split(";", 1)[0].strip()[:100]
                came = f"as {media_type}" if media_type else "without Content-Type"
                message = f"the body must be sent as application/json; it came {came}"
                await error_response(415, message, "unsupported_media_type")(scope, receive, send)
                return
        await self.app(scope, receive, send)


class _BodyTimeout(Exception):
    pass


class BodyDeadlineMiddleware:
    """Answer 408 when a request body has not fully arrived within `seconds` of the app first asking for it.

    uvicorn waits for a slow body as long as bytes keep trickling in; without a deadline a client sending one
    byte a second holds its request, and whatever the app has set aside for it, indefinitely.
    """

    def __init__(self, app: ASGIApp, seconds: float) -> None:
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in _BODY_METHODS:
            await self.app(scope, receive, send)
            return
        loop = asyncio.get_running_loop()
        deadline: float | None = None
        complete = False
        started = False

        async def timed_receive() -> Message:
            nonlocal deadline, complete
            if complete:
                # After the body only a disconnect can come; waiting for it has no deadline.
                return await receive()
            deadline = deadline or loop.time() + self.seconds
            try:
                async with asyncio.timeout_at(deadline):
                    message = await receive()
            except TimeoutError:
                raise _BodyTimeout from None
            complete = message["type"] != "http.request" or not message.get("more_body", False)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, timed_receive, tracking_send)
        except _BodyTimeout:
            if started:
                raise
            message = f"the request body did not arrive within {self.seconds:g} s"
            response = error_response(408, message, "request_timeout", {"Connection": "close"})
            await response(scope, receive, send)
