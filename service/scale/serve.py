"""Khulasa as a Ray Serve application: the unchanged FastAPI app as ingress, one deployment per model.

`serve run service.scale.serve:build` (KHULASA_* settings from the environment, or key=value arguments),
`serve deploy` with a config whose import_path is the same, or `khulasa serve --engine ray`.

The ingress holds no model. Its app keeps every contract of one process (validation, limits, auth, metrics, error
bodies, the page, the micro-batcher's 429 and 504): only the engines it loads are handles to the model deployments.
Each model deployment batches the calls of all ingress replicas with `@serve.batch`.
"""

import asyncio
import os
from typing import Any

from fastapi import FastAPI
from ray import serve
from ray.serve.handle import DeploymentHandle

from service.config import Settings
from service.engines.base import Engine, Engines

from .remote import RemoteEngine, RemoteSummarizer, RemoteTranslator

APP_NAME = "khulasa"


class ModelReplica:
    """One engine (summarizer or translator) built by the factory; `generate` batches across callers."""

    def __init__(self, settings: Settings, role: str) -> None:
        from service.engines import factory

        self.role = role
        self.replica = os.environ.get("RAY_SERVE_REPLICA_ID") or f"{role}-{os.getpid()}"
        # Threads follow the CPUs this replica asked for, so replicas on one node do not fight over cores.
        settings = settings.model_copy(update={"threads": settings.threads or max(1, int(settings.ray_replica_cpus))})
        load = factory.load_summarizer if role == "summarizer" else factory.load_translator
        self.model: Engine = load(settings)
        self.run: Any = self.summarize if role == "summarizer" else self.translate
        batched: Any = self.generate
        batched.set_max_batch_size(settings.max_batch)
        batched.set_batch_wait_timeout_s(settings.batch_window_ms / 1000)

    def summarize(self, texts: list[str]) -> list[str]:
        outputs: list[str] = self.model.summarize_batch(texts)  # type: ignore[attr-defined]
        return outputs

    def translate(self, sentences: list[str]) -> list[str]:
        outputs: list[str] = self.model.translate_batch(sentences)  # type: ignore[attr-defined]
        return outputs

    async def alternatives(self, sentences: list[str], count: int) -> list[list[str]]:
        """LibreTranslate's `alternatives`: the translator's n-best runners-up per sentence."""
        found: list[list[str]] = await asyncio.to_thread(
            self.model.translate_alternatives,  # type: ignore[attr-defined]
            sentences,
            count,
        )
        return found

    @serve.batch(max_batch_size=8, batch_wait_timeout_s=0.005)
    async def generate(self, calls: list[list[str]]) -> list[dict[str, Any]]:
        """Every caller's texts in one batched call, handed back per caller with this replica's token count."""
        flat = [text for texts in calls for text in texts]
        outputs = iter(await asyncio.to_thread(self.run, flat))
        tokens = self.model.tokens_generated
        return [
            {"outputs": [next(outputs) for _ in texts], "tokens_generated": tokens, "replica": self.replica}
            for texts in calls
        ]

    def describe(self) -> dict[str, Any]:
        return self.model.describe()

    def count_tokens(self, texts: list[str]) -> list[int]:
        return self.model.count_tokens(texts)

    def check_health(self) -> None:
        """Serve's periodic health check: the model still tokenizes."""
        self.model.count_tokens(["صحة"])


@serve.ingress()
class Ingress:
    """The service's own FastAPI app, its engines being handles to the model deployments."""

    def __init__(self, settings: Settings, summarizer: DeploymentHandle, translator: DeploymentHandle) -> None:
        self.settings = settings
        self.summarizer = summarizer
        self.translator = translator

    def _connect(self, settings: Settings) -> Engines:
        engines = Engines(
            summarizer=RemoteSummarizer(self.summarizer, deployment_info(settings, "summarizer")),
            translator=RemoteTranslator(self.translator, deployment_info(settings, "translator")),
        )
        for engine in (engines.summarizer, engines.translator):
            assert isinstance(engine, RemoteEngine)
            engine.connect()
        return engines

    def __serve_build_asgi_app__(self) -> FastAPI:
        from service.api.app import create_app

        return create_app(self.settings, loader=self._connect)


def _autoscaling(settings: Settings) -> dict[str, Any] | None:
    if settings.ray_max_replicas is None or settings.ray_max_replicas <= settings.ray_replicas:
        return None
    return {"min_replicas": settings.ray_replicas, "max_replicas": settings.ray_max_replicas}


def deployment_info(settings: Settings, role: str) -> dict[str, Any]:
    """What /info shows about a model deployment: its name, replicas and resources."""
    return {
        "name": role,
        "replicas": settings.ray_replicas,
        "autoscaling": _autoscaling(settings),
        "num_cpus": settings.ray_replica_cpus,
        "num_gpus": settings.ray_replica_gpus,
        "max_queued_requests": settings.max_queue,
    }


def _deployment(cls: type, options: dict[str, Any]) -> Any:
    make: Any = serve.deployment
    return make(cls).options(**options)


def application(settings: Settings) -> Any:
    """The bound Serve application for `settings`: ingress plus summarizer and translator deployments."""
    models = {}
    for role in ("summarizer", "translator"):
        autoscaling = _autoscaling(settings)
        options: dict[str, Any] = {
            "name": role,
            "ray_actor_options": {"num_cpus": settings.ray_replica_cpus, "num_gpus": settings.ray_replica_gpus},
            # Calls past what the replicas batch wait here; past max_queue the ingress answers 429.
            "max_ongoing_requests": settings.max_batch,
            "max_queued_requests": max(1, settings.max_queue),
            "health_check_period_s": 10,
        }
        if autoscaling is None:
            options["num_replicas"] = settings.ray_replicas
        else:
            options["autoscaling_config"] = autoscaling
        models[role] = _deployment(ModelReplica, options).bind(settings, role)
    ingress = _deployment(
        Ingress,
        {
            "name": "ingress",
            # It holds no model: it must fit beside the model replicas on the smallest node.
            "ray_actor_options": {"num_cpus": 0},
            # Enough for the micro-batcher to see every request it could batch or queue; it answers 429 itself.
            "max_ongoing_requests": settings.max_batch + settings.max_queue + 1,
        },
    )
    return ingress.bind(settings, models["summarizer"], models["translator"])


def build(args: dict[str, str]) -> Any:
    """Application builder for `serve run service.scale.serve:build [key=value ...]` and `serve deploy`:
    Settings from KHULASA_* in the replicas' environment, overridden by the arguments."""
    return application(Settings(**args))  # type: ignore[arg-type]
