"""What the running service holds: settings, loading status, the pipeline once models are in, metrics."""

import asyncio
import logging
from collections.abc import Callable
from typing import Literal

from service.config import Settings
from service.engines.factory import Engines, load_engines
from service.errors import KhulasaError, NotReady
from service.pipeline import DigestPipeline

from .limits import InferenceGate
from .metrics import Metrics

log = logging.getLogger(__name__)


class ServiceState:
    """Starts `loading`, becomes `ready` or `failed` exactly once."""

    def __init__(
        self,
        settings: Settings,
        *,
        engines: Engines | None = None,
        on_fatal: Callable[[str], None] | None = None,
    ) -> None:
        self.settings = settings
        self.status: Literal["loading", "ready", "failed"] = "loading"
        self.error: str | None = None
        self.engines = engines
        self.pipeline: DigestPipeline | None = None
        self.on_fatal = on_fatal
        self.gate = InferenceGate(settings.max_queue)
        self.metrics = Metrics(self.tokens_generated)

    def tokens_generated(self) -> dict[str, int]:
        if self.engines is None:
            return {}
        return {
            "summarizer": self.engines.summarizer.engine.tokens_generated,
            "translator": self.engines.translator.engine.tokens_generated,
        }

    async def load(self) -> None:
        """Load the models in a worker thread (unless given ready-made); a failure is fatal to the process."""
        try:
            if self.engines is None:
                self.engines = await asyncio.to_thread(load_engines, self.settings)
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
