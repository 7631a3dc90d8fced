"""Batch translation on a pool of Ray actors, each holding one translator, fed whole windows.

Why actors and not Ray Data: the job's guarantees (every record exactly once, in input order, resumable after a
kill) live in the project's own sink, which must see windows in order from the driver. An `ActorPool` hands results
back in submission order, reads the input lazily with a bounded look-ahead, loads each model once for the whole
job, and needs no dataset materialised up front; Ray Data would reorder unless told not to, wants its source read
through a datasource, and its read task stalled behind whole-CPU actors on a 2-CPU node. Each task is one window,
batched by the same `translate_window` as the local engine, so batch composition (and with it int8 output) does
not depend on which actor ran it.
"""

import logging
import math
from collections.abc import Iterator
from typing import Any

from service.batch import JobError, WindowResult, translate_window
from service.config import Settings

from .cluster import cluster_cpus, connect

log = logging.getLogger(__name__)

# Windows in flight per actor: one computing, one queued, so no actor waits on the driver between windows.
_IN_FLIGHT_PER_ACTOR = 2
# Restarts per actor (and retries per window) before the job stops with a JobError; it resumes when run again.
_RESTARTS = 3


class _WindowWorker:
    """The actor: one translator, loaded once through the factory, translating one window per call."""

    def __init__(self, settings: Settings) -> None:
        from service.engines.factory import load_translator

        self.translator = load_translator(settings)

    def describe(self) -> dict[str, Any]:
        return self.translator.describe()

    def translate(self, texts: list[str], batch_tokens: int) -> WindowResult:
        return translate_window(self.translator, texts, batch_tokens)

    def node(self) -> str:
        """The id of the Ray node this actor runs on."""
        import ray

        return str(ray.get_runtime_context().get_node_id())


def actor_cpus(actors: int, cpus: float, wanted: float = 1.0) -> float:
    """CPUs each of `actors` asks for on a cluster of `cpus`: `wanted` each when there is room, else a fair share.

    Fractional shares keep actors that outnumber the CPUs schedulable (whole-CPU actors on a 2-CPU node
    deadlock the job).
    """
    # Rounded down: a share rounded up could ask for more than the cluster has (3 × 0.67 > 2).
    return min(wanted, max(0.01, math.floor(cpus / actors * 100) / 100))


class RayWindows:
    """A WindowTranslator (service.batch) backed by `actors` Ray actors; results come back in input order."""

    def __init__(self, settings: Settings, actors: int) -> None:
        """Start the actors and wait until the first has loaded its model (its describe() keys the checkpoint)."""
        ray = connect()
        from ray.util import ActorPool

        cpus = actor_cpus(actors, cluster_cpus(), settings.ray_replica_cpus)
        # Intra-op threads match the CPUs each actor asked for, so actors do not fight over cores.
        threads = settings.threads or max(1, int(cpus))
        # An actor that dies (its process killed, its node lost) is restarted, loading its model again, and the
        # windows it held are run again on it: the pool still hands results back in input order, and a window's
        # output does not depend on which actor ran it, so the job's bytes are those of an uninterrupted run.
        worker = ray.remote(num_cpus=cpus, max_restarts=_RESTARTS, max_task_retries=_RESTARTS)(_WindowWorker)
        self.actors = [worker.remote(settings.model_copy(update={"threads": threads})) for _ in range(actors)]
        self.pool = ActorPool(self.actors)
        log.info("%d translation actors, %.2f CPUs and %d threads each", actors, cpus, threads)
        self._described: dict[str, Any] = self._get(self.actors[0].describe.remote())

    def _get(self, ref: Any) -> Any:
        import ray

        try:
            return ray.get(ref)
        except ray.exceptions.RayError as error:
            raise JobError(f"a translation actor failed: {error}") from error

    def describe(self) -> dict[str, Any]:
        return self._described

    @property
    def device(self) -> str:
        return str(self._described.get("device", "cpu"))

    def translate_windows(self, windows: Iterator[list[str]], batch_tokens: int) -> Iterator[WindowResult]:
        submitted = 0
        for texts in windows:
            self.pool.submit(lambda actor, value: actor.translate.remote(value, batch_tokens), texts)
            submitted += 1
            if submitted >= _IN_FLIGHT_PER_ACTOR * len(self.actors):
                yield self._next()
                submitted -= 1
        while self.pool.has_next():
            yield self._next()

    def close(self) -> None:
        """Stop the actors (their CPUs go back to the cluster); a job whose driver dies loses them anyway."""
        import ray

        for actor in self.actors:
            ray.kill(actor)

    def __enter__(self) -> "RayWindows":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _next(self) -> WindowResult:
        import ray

        try:
            result: WindowResult = self.pool.get_next()
        except ray.exceptions.RayError as error:
            raise JobError(f"a translation actor failed: {error}; run the same command again to resume") from error
        return result
