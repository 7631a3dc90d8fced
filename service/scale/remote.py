"""Engines that live in Ray Serve deployments, seen through the engine protocol by the ingress's own service.

Calls block a worker thread (the micro-batcher's), never the event loop. `describe()` is fetched once, when the
deployment first answers, and `tokens_generated` is the sum of each replica's own counter as last reported with a
result, so /info and /metrics read local values.
"""

import logging
import time
from typing import Any

from service.engines.cancel import cancelled
from service.errors import Cancelled, KhulasaError, Overloaded, Unavailable

log = logging.getLogger(__name__)

# How often a waiting call looks whether its callers have given up.
_POLL_S = 0.05
# How long connect() waits before asking again after the replica it asked died.
_RETRY_S = 1.0


class RemoteEngine:
    """One model deployment behind a DeploymentHandle; `deployment` is what /info shows about the deployment."""

    def __init__(self, handle: Any, deployment: dict[str, Any]) -> None:
        self.handle = handle
        self.deployment = deployment
        self._described: dict[str, Any] = {}
        self._tokens: dict[str, int] = {}

    def connect(self) -> None:
        """Wait until a replica answers (it has loaded its model), and keep its description.

        A replica that dies before it answers is replaced by Serve; this keeps asking (once a second), so the
        ingress becomes ready once the replacement answers instead of staying not-ready for good."""
        while True:
            try:
                self._described = self._call(self.handle.describe.remote())
                return
            except Unavailable:
                time.sleep(_RETRY_S)

    @property
    def name(self) -> str:
        return str(self._described.get("id", ""))

    @property
    def device(self) -> str:
        return str(self._described.get("device", "cpu"))

    @property
    def tokens_generated(self) -> int:
        return sum(self._tokens.values())

    def describe(self) -> dict[str, Any]:
        return {**self._described, "deployment": self.deployment}

    def count_tokens(self, texts: list[str]) -> list[int]:
        counts: list[int] = self._call(self.handle.count_tokens.remote(texts))
        return counts

    def _generate(self, texts: list[str]) -> list[str]:
        reply: dict[str, Any] = self._call(self.handle.generate.remote(texts))
        replica = str(reply["replica"])
        self._tokens[replica] = max(self._tokens.get(replica, 0), int(reply["tokens_generated"]))
        outputs: list[str] = reply["outputs"]
        return outputs

    def _call(self, response: Any) -> Any:
        """The response's result. Overloaded on Serve's backpressure; Unavailable when the replica serving it died
        (Serve starts another; the request is not retried here, as a request that kills replicas would kill the
        next one too); Cancelled once every caller has given up; the replica's own KhulasaError as itself (so it
        maps to the same HTTP status as locally)."""
        from ray.exceptions import RayActorError, RayTaskError
        from ray.serve.exceptions import BackPressureError, DeploymentUnavailableError, ReplicaUnavailableError

        name = self.deployment["name"]
        while True:
            if cancelled():
                response.cancel()
                raise Cancelled("the request was abandoned before its work finished")
            try:
                return response.result(timeout_s=_POLL_S)
            except TimeoutError:
                continue
            except BackPressureError as error:
                raise Overloaded(f"the {name} deployment is at its queue limit; retry shortly") from error
            except (RayActorError, ReplicaUnavailableError, DeploymentUnavailableError) as error:
                log.warning("the %s replica serving a request is gone: %s", name, error)
                raise Unavailable(f"the {name} replica serving this request stopped; retry shortly") from error
            except RayTaskError as error:
                if isinstance(error.cause, KhulasaError):
                    raise error.cause from None
                raise


class RemoteSummarizer(RemoteEngine):
    def summarize_batch(self, texts: list[str]) -> list[str]:
        return self._generate(texts)


class RemoteTranslator(RemoteEngine):
    def translate_batch(self, sentences: list[str]) -> list[str]:
        return self._generate(sentences)

    def translate_alternatives(self, sentences: list[str], count: int) -> list[list[str]]:
        """n-best runners-up from a replica: a call of its own (each asks for its own count), not batched."""
        found: list[list[str]] = self._call(self.handle.alternatives.remote(sentences, count))
        return found
