"""Admission control: the body size limit (413 before anything is parsed) and the inference queue (429)."""

import asyncio
import json
from collections.abc import Callable
from typing import TypeVar

import anyio.to_thread
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.errors import Overloaded

T = TypeVar("T")


async def _send_error(send: Send, status: int, message: str, code: str) -> None:
    body = json.dumps({"error": message, "type": code}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class BodyLimitMiddleware:
    """Refuse bodies over `max_bytes` with 413, whether Content-Length says so or the stream turns out longer."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("POST", "PUT", "PATCH"):
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and not declared.isdigit():
            await _send_error(send, 400, "Content-Length is not a number", "invalid_request")
            return
        if declared is not None and int(declared) > self.max_bytes:
            await self._refuse(send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._refuse(send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        await self.app(scope, _replay(b"".join(chunks), receive), send)

    async def _refuse(self, send: Send) -> None:
        limit = f"request body is over the limit of {self.max_bytes} bytes"
        await _send_error(send, 413, limit, "payload_too_large")


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed


class InferenceGate:
    """Runs blocking inference off the event loop, one job at a time (the model uses every core).

    At most `max_queue` jobs wait behind the running one; further requests get Overloaded (429) at once
    instead of piling up timeouts.
    """

    def __init__(self, max_queue: int) -> None:
        self.max_queue = max_queue
        self.pending = 0
        self._lock = asyncio.Lock()

    async def run(self, work: Callable[[], T]) -> T:
        if self.pending > self.max_queue:
            raise Overloaded(f"{self.pending} requests are already in line; retry shortly")
        self.pending += 1
        try:
            async with self._lock:
                return await anyio.to_thread.run_sync(work)
        finally:
            self.pending -= 1
