"""Joining a Ray cluster: the one place that calls `ray.init`."""

import logging
import os
from typing import Any

from service.errors import ConfigError

log = logging.getLogger(__name__)


def require_ray() -> Any:
    """The `ray` module, or ConfigError saying how to install it."""
    try:
        import ray
    except ImportError:
        raise ConfigError("--engine ray needs Ray: pip install 'khulasa[ray]'") from None
    return ray


def connect() -> Any:
    """Join the cluster RAY_ADDRESS names ("auto": the one `ray start` runs on this machine), else start a local one.

    A local cluster is bound to 127.0.0.1, has no dashboard, and stops when this process ends, even by SIGKILL.
    """
    ray = require_ray()
    if not ray.is_initialized():
        address = os.environ.get("RAY_ADDRESS") or None
        options: dict[str, Any] = {"address": address or "local", "log_to_driver": False}
        if address is None:
            options.update(include_dashboard=False, _node_ip_address="127.0.0.1")
        ray.init(**options)
        where = address or "a local cluster"
        log.info("joined %s with %s CPUs", where, ray.cluster_resources().get("CPU", 0))
    return ray


def joined_local() -> bool:
    """True when this process started the cluster it is on (it goes when this process does)."""
    return not os.environ.get("RAY_ADDRESS")


def cluster_cpus() -> float:
    """CPUs the joined cluster has in all."""
    ray = require_ray()
    return float(ray.cluster_resources().get("CPU", 1.0))
