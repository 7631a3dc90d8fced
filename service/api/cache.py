"""Answers remembered: /summarize and /translate answers kept by what decides them, computed once.

The cache stores the response bytes, so a remembered answer is byte-identical to the one computed, `timing_ms`
included: the timings are those of the computation that made it. The key covers everything that changes an answer
(see `service_identity` and `answer_key`); identical requests in flight at once share one computation.
"""

import asyncio
import hashlib
import json
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import service
from service.config import Settings, looks_like_local_path
from service.engines.base import Engines
from service.errors import ConfigError

from .cache_disk import DiskTier

log = logging.getLogger(__name__)

# Settings that decide how requests are admitted, batched, served or logged, but not what an answer says.
_OPERATIONAL = {
    "host", "port", "max_body_bytes", "max_queue", "batch_window_ms", "request_timeout_s", "threads",
    "max_translate_items", "max_text_chars", "body_timeout_s", "api_keys", "cors_origins", "libretranslate_cors",
    "html_timeout_s", "log_level",
    "placement", "ray_replicas", "ray_max_replicas", "ray_replica_cpus", "ray_replica_gpus", "ray_actors",
    "cache_max_bytes", "cache_dir", "cache_disk_max_bytes", "ct2_cache",
}  # fmt: skip
# What an engine's describe() says that does not change its output.
_UNRELATED = {"threads", "converted"}


def _model_files(source: str) -> list[tuple[str, int, int]]:
    """A local model directory's files (name, size, mtime): rebuilt weights at the same path are another model."""
    if not looks_like_local_path(source):
        return []
    directory = Path(source).expanduser()
    return sorted((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in directory.iterdir() if p.is_file())


def service_identity(settings: Settings, engines: Engines) -> dict[str, Any]:
    """What, besides the request, decides an answer: the project's version, every setting but the operational
    ones (so settings added later count by default), each model as its engine describes itself (id, revision,
    backend, device, dtype, generation settings) and, for models in a local directory, its files' sizes and times."""
    described = {
        role: {k: v for k, v in engine.describe().items() if k not in _UNRELATED}
        for role, engine in (("summarizer", engines.summarizer), ("translator", engines.translator))
    }
    return {
        "version": service.__version__,
        "settings": settings.model_dump(mode="json", exclude=_OPERATIONAL),
        "models": described,
        "files": {"summarizer": _model_files(settings.summarizer), "translator": _model_files(settings.translator)},
    }


def answer_key(route: str, request: dict[str, Any], identity: dict[str, Any]) -> str:
    """The sha256 (hex) of the route, the request's fields as validated, and the service's identity."""
    canonical = json.dumps(
        {"route": route, "request": request, "service": identity},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()


class Flight:
    """One computation of an answer that every identical request waits for. It stops (and its model work with
    it) when the last request waiting for it has gone."""

    def __init__(self, task: "asyncio.Task[bytes]") -> None:
        self.task = task
        self.waiters = 0

    async def wait(self) -> bytes:
        self.waiters += 1
        try:
            return await asyncio.shield(self.task)
        finally:
            self.waiters -= 1
            if self.waiters == 0 and not self.task.done():
                self.task.cancel()


class AnswerCache:
    """Response bytes by key: up to `max_bytes` in memory (least recently used out first) and, with `directory`,
    up to `disk_max_bytes` on disk as well."""

    def __init__(self, max_bytes: int, directory: Path | None = None, disk_max_bytes: int = 0) -> None:
        self.max_bytes = max_bytes
        self.disk = DiskTier(directory, disk_max_bytes) if directory is not None else None
        self._memory: OrderedDict[str, bytes] = OrderedDict()
        self._memory_bytes = 0
        self._flights: dict[str, Flight] = {}

    @property
    def memory_bytes(self) -> int:
        return self._memory_bytes

    async def open(self) -> None:
        """Index the disk tier (creating its directory); call once before use. ConfigError when the directory
        cannot be made or read."""
        if self.disk is None:
            return
        try:
            await asyncio.to_thread(self.disk.open)
        except OSError as error:
            raise ConfigError(f"cache_dir (KHULASA_CACHE_DIR) {self.disk.directory}: {error}") from None

    async def lookup(self, key: str) -> bytes | None:
        """The stored answer, from memory or else from disk (then kept in memory too), or None."""
        if (body := self._memory.get(key)) is not None:
            self._memory.move_to_end(key)
            return body
        if self.disk is None:
            return None
        body = await asyncio.to_thread(self.disk.read, key)
        if body is not None:
            self._remember(key, body)
        return body

    def in_flight(self, key: str) -> bool:
        return key in self._flights

    def flight(self, key: str, compute: Callable[[], Awaitable[bytes]]) -> tuple[Flight, bool]:
        """The computation of `key`'s answer: the one in flight (joined: True), or a new one running `compute`,
        whose answer is stored when it succeeds. Errors are not stored; every waiter gets them."""
        if (running := self._flights.get(key)) is not None:
            return running, True

        async def compute_and_store() -> bytes:
            body = await compute()
            await self.store(key, body)
            return body

        task = asyncio.create_task(compute_and_store(), name=f"khulasa-answer-{key[:12]}")
        started = self._flights[key] = Flight(task)
        task.add_done_callback(lambda done: self._landed(key, started, done))
        return started, False

    async def store(self, key: str, body: bytes) -> None:
        self._remember(key, body)
        if self.disk is not None:
            await asyncio.to_thread(self.disk.write, key, body)

    def _landed(self, key: str, flight: Flight, task: "asyncio.Task[bytes]") -> None:
        if self._flights.get(key) is flight:
            del self._flights[key]
        if not task.cancelled() and task.exception() is not None and flight.waiters == 0:
            log.debug("an abandoned computation ended in %r", task.exception())

    def _remember(self, key: str, body: bytes) -> None:
        if len(body) > self.max_bytes:
            return
        if (previous := self._memory.pop(key, None)) is not None:
            self._memory_bytes -= len(previous)
        self._memory[key] = body
        self._memory_bytes += len(body)
        while self._memory_bytes > self.max_bytes:
            _, evicted = self._memory.popitem(last=False)
            self._memory_bytes -= len(evicted)


async def remembered(
    cache: AnswerCache | None, key: Callable[[], str], compute: Callable[[], Awaitable[bytes]]
) -> tuple[bytes, str | None]:
    """The answer's bytes and "hit" (stored, or shared with an identical request in flight) or "miss" (computed
    for this request); None for both the outcome and any caching when the cache is off."""
    if cache is None:
        return await compute(), None
    cache_key = key()
    if (stored := await cache.lookup(cache_key)) is not None:
        return stored, "hit"
    flight, joined = cache.flight(cache_key, compute)
    return await flight.wait(), "hit" if joined else "miss"
