"""Cross-request micro-batching, with admission control (429) and a per-request time budget (504).

The models use every core, so one batch computes at a time. Requests that arrive while it runs, or within a few
milliseconds of each other while the service is idle, share the next batch: one `generate` per stage for all of
them, so concurrency raises throughput instead of lengthening the queue. Each request's answer equals what it would
get alone (exactly in fp32; int8 activation scales are per batch).
"""

import asyncio
import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import anyio.to_thread

from service.engines.cancel import cancellable
from service.errors import Cancelled, DeadlineExceeded, Overloaded

log = logging.getLogger(__name__)

# Blocking: one result (or the exception for that item) per payload, in order.
BatchRunner = Callable[[list[Any]], list[Any]]


@dataclass(eq=False)
class _Job:
    kind: str
    payload: Any
    future: "asyncio.Future[Any]"
    abandoned: bool = False


class MicroBatcher:
    """Runs jobs of each kind in shared batches, oldest first, one batch at a time.

    `max_queue`: jobs allowed to wait while a batch computes; past it, submit raises Overloaded at once.
    `max_batch`: jobs per batch. `window_s`: how long an idle batcher waits for company before it starts.
    `timeout_s`: each job's time budget from submission; past it the caller gets DeadlineExceeded, a waiting job
    is dropped, and a running batch whose callers have all given up stops at its next decoding step.
    """

    def __init__(
        self,
        runners: dict[str, BatchRunner],
        *,
        max_queue: int,
        max_batch: int,
        window_s: float,
        timeout_s: float,
        observe_batch: Callable[[str, int], None] | None = None,
    ) -> None:
        self.runners = runners
        self.max_queue = max_queue
        self.max_batch = max_batch
        self.window_s = window_s
        self.timeout_s = timeout_s
        self.observe_batch = observe_batch
        self.running: list[_Job] = []
        self.batches_run = 0
        self._queue: deque[_Job] = deque()
        self._wake = asyncio.Event()
        self._worker: asyncio.Task[None] | None = None
        self._idle = asyncio.Event()
        self._idle.set()

    @property
    def waiting(self) -> int:
        return sum(not job.abandoned for job in self._queue)

    async def submit(self, kind: str, payload: Any) -> Any:
        """The result of `payload` run in a batch of its kind; raises what the runner gave for it."""
        if self.waiting >= self.max_queue and (self.running or self._queue):
            raise Overloaded(f"{self.waiting} requests are already waiting; retry shortly")
        job = _Job(kind, payload, asyncio.get_running_loop().create_future())
        self._queue.append(job)
        self._idle.clear()
        self._ensure_worker()
        self._wake.set()
        try:
            return await asyncio.wait_for(asyncio.shield(job.future), self.timeout_s)
        except TimeoutError:
            self._abandon(job)
            raise DeadlineExceeded(f"the request ran past its time budget of {self.timeout_s:g} s") from None
        except asyncio.CancelledError:
            self._abandon(job)
            raise

    async def drain(self) -> None:
        """Wait until every accepted job has finished (graceful shutdown), then stop the worker."""
        await self._idle.wait()
        if self._worker is not None:
            self._worker.cancel()
            self._worker = None

    def _abandon(self, job: _Job) -> None:
        job.abandoned = True
        if job in self._queue:
            self._queue.remove(job)
            job.future.cancel()
            self._update_idle()

    def _ensure_worker(self) -> None:
        if self._worker is None or self._worker.done():
            self._worker = asyncio.create_task(self._work(), name="khulasa-batcher")

    def _update_idle(self) -> None:
        if not self._queue and not self.running:
            self._idle.set()

    async def _work(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            if self._queue and self.window_s > 0:
                # Idle until now: give requests arriving together a moment to join this batch.
                await asyncio.sleep(self.window_s)
            while self._queue:
                await self._run_one(self._take())
            self._update_idle()

    def _take(self) -> list[_Job]:
        """The oldest job's kind, up to max_batch jobs of it in arrival order; other kinds keep their places."""
        kind = self._queue[0].kind
        batch = [job for job in self._queue if job.kind == kind][: self.max_batch]
        for job in batch:
            self._queue.remove(job)
        return batch

    async def _run_one(self, batch: list[_Job]) -> None:
        self.running = batch
        try:
            runner = self.runners[batch[0].kind]
            payloads = [job.payload for job in batch]

            def compute() -> list[Any]:
                with cancellable(lambda: all(job.abandoned for job in batch)):
                    return runner(payloads)

            if self.observe_batch is not None:
                self.observe_batch(batch[0].kind, len(batch))
            results: list[Any] = await anyio.to_thread.run_sync(compute)
        except Cancelled:
            log.info("a batch of %d %s jobs stopped: every caller had given up", len(batch), batch[0].kind)
            results = [None] * len(batch)
        except Exception as error:  # the callers get it; the worker lives on for the next batch
            results = [error] * len(batch)
        finally:
            self.running = []
            self.batches_run += 1
        for job, result in zip(batch, results, strict=True):
            if job.abandoned or job.future.done():
                job.future.cancel()
            elif isinstance(result, BaseException):
                job.future.set_exception(result)
            else:
                job.future.set_result(result)
