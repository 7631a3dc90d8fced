"""Prometheus metrics: requests and latency per route, stage latency, tokens generated per model role."""

import time
from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, Metric
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 40, 80)


class Metrics:
    """A registry per app, so several apps (tests) never share counters."""

    def __init__(self, tokens_generated: Callable[[], dict[str, int]]) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "khulasa_requests", "HTTP requests", ["route", "method", "status"], registry=self.registry
        )
        self.latency = Histogram(
            "khulasa_request_duration_seconds",
            "HTTP request latency",
            ["route"],
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.stages = Histogram(
            "khulasa_stage_duration_seconds",
            "Pipeline stage latency",
            ["stage"],
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.batch_size = Histogram(
            "khulasa_batch_size",
            "Requests sharing one batched computation",
            ["kind"],
            buckets=(1, 2, 4, 8, 16, 32, 64),
            registry=self.registry,
        )
        self.cache_hits = Counter(
            "khulasa_cache_hits", "Answers served from the answer cache", ["route"], registry=self.registry
        )
        self.cache_misses = Counter(
            "khulasa_cache_misses", "Answers computed because the answer cache had none", ["route"],
            registry=self.registry,
        )  # fmt: skip
        self.registry.register(_TokenCollector(tokens_generated))

    def count_cache(self, route: str, outcome: str | None) -> None:
        """Count a cache `outcome` ("hit", "miss"; None: the cache is off) for `route`."""
        if outcome == "hit":
            self.cache_hits.labels(route=route).inc()
        elif outcome == "miss":
            self.cache_misses.labels(route=route).inc()

    def observe_batch(self, kind: str, size: int) -> None:
        self.batch_size.labels(kind=kind).observe(size)

    def observe_stage(self, stage: str, seconds: float) -> None:
        self.stages.labels(stage=stage).observe(seconds)


class _TokenCollector:
    """Reads the engines' own counters at scrape time."""

    def __init__(self, read: Callable[[], dict[str, int]]) -> None:
        self.read = read

    def collect(self) -> Iterator[Metric]:
        family = CounterMetricFamily("khulasa_generated_tokens", "Tokens generated", labels=["role"])
        for role, count in self.read().items():
            family.add_metric([role], count)
        yield family


class MetricsMiddleware:
    """Counts every HTTP response, 413s from the body limit included, under its route template."""

    def __init__(self, app: ASGIApp, metrics: Metrics, known_paths: Callable[[], set[str]]) -> None:
        self.app = app
        self.metrics = metrics
        self.known_paths = known_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def recording_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, recording_send)
        finally:
            route = scope.get("route")
            path = getattr(route, "path", None) or scope["path"]
            label = path if path in self.known_paths() else "other"
            self.metrics.requests.labels(route=label, method=scope["method"], status=str(status)).inc()
            self.metrics.latency.labels(route=label).observe(time.perf_counter() - started)
