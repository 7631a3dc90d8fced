"""What the running service holds: settings, loading status, the pipeline once models are in, metrics."""

import asyncio
import logging
from collections.abc import Callable
from typing import Literal

from service.config import Settings
from service.digest import Digest
from service.engines.base import Engines, translate_texts, translate_texts_with_alternatives
from service.errors import KhulasaError, NotReady
from service.pipeline import DigestPipeline, DigestRequest
from service.text import rarity

from .batcher import MicroBatcher
from .cache import AnswerCache, service_identity
from .metrics import Metrics
from .pages import PageReader

log = logging.getLogger(__name__)


def _load_here(settings: Settings) -> Engines:
    # Imported here: torch comes with it, and an app whose engines live elsewhere (Ray Serve) never needs it.
    from service.engines.factory import load_engines

    return load_engines(settings)


class ServiceState:
    """Starts `loading`, becomes `ready` or `failed` exactly once."""

    def __init__(
        self,
        settings: Settings,
        *,
        engines: Engines | None = None,
        on_fatal: Callable[[str], None] | None = None,
        loader: Callable[[Settings], Engines] | None = None,
    ) -> None:
        self.settings = settings
        self.loader = loader
        self.status: Literal["loading", "ready", "failed"] = "loading"
        self.error: str | None = None
        self.engines = engines
        self.pipeline: DigestPipeline | None = None
        self.on_fatal = on_fatal
        self.metrics = Metrics(self.tokens_generated)
        self.pages = PageReader(settings.html_timeout_s)
        self.cache = (
            AnswerCache(settings.cache_max_bytes, settings.cache_dir, settings.cache_disk_max_bytes)
            if settings.cache_max_bytes
            else None
        )
        # What besides a request decides its answer (part of every cache key); known once the models are in.
        self.identity: dict[str, object] = {}
        self.batcher = MicroBatcher(
            {
                "digest": self._digest_batch,
                "translate": self._translate_batch,
                "alternatives": self._alternatives_batch,
            },
            max_queue=settings.max_queue,
            max_batch=settings.max_batch,
            window_s=settings.batch_window_ms / 1000,
            timeout_s=settings.request_timeout_s,
            observe_batch=self.metrics.observe_batch,
        )

    def _digest_batch(self, requests: list[DigestRequest]) -> list[Digest | KhulasaError]:
        return self.require_pipeline().run_many(requests, observe=self.metrics.observe_stage)

    def _translate_batch(self, batches: list[list[str]]) -> list[object]:
        """Every request's texts in one translate call, handed back per request."""
        translator = self.require_pipeline().translator
        english = iter(translate_texts(translator.translate_batch, [text for texts in batches for text in texts]))
        return [[next(english) for _ in texts] for texts in batches]

    def _alternatives_batch(self, jobs: list[tuple[list[str], int]]) -> list[object]:
        """Per request (texts, count): its translations and each text's alternatives; each its own beam search,
        as requests ask for different counts."""
        translator = self.require_pipeline().translator
        return [translate_texts_with_alternatives(translator, texts, count) for texts, count in jobs]

    def tokens_generated(self) -> dict[str, int]:
        if self.engines is None:
            return {}
        return {
            "summarizer": self.engines.summarizer.tokens_generated,
            "translator": self.engines.translator.tokens_generated,
        }

    async def load(self) -> None:
        """Load the models in a worker thread (unless given ready-made); a failure is fatal to the process.

        `loader` may also reach engines that live elsewhere (service.scale.serve: Ray Serve deployments).
        """
        # The segmenter's word frequencies, so the first /segment or /summarize does not pay for reading them.
        await asyncio.to_thread(rarity.load)
        try:
            if self.cache is not None:
                await self.cache.open()
            if self.engines is None:
                self.engines = await asyncio.to_thread(self.loader or _load_here, self.settings)
            self.identity = await asyncio.to_thread(service_identity, self.settings, self.engines)
        except KhulasaError as error:
            self.status, self.error = "failed", str(error)
            log.error("startup failed: %s", error)
            if self.on_fatal is not None:
                self.on_fatal(str(error))
            return
        self.pipeline = DigestPipeline(self.engines.summarizer, self.engines.translator)
        self.status = "ready"
        log.info("models loaded; ready")

    def require_pipeline(self) -> DigestPipeline:
        """The digest pipeline (and through it both engines), or NotReady while loading or after a failed load."""
        if self.status == "failed":
            raise NotReady(f"models failed to load: {self.error}")
        if self.pipeline is None:
            raise NotReady("models are still loading")
        return self.pipeline
