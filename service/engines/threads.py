"""How many threads torch may use: every CPU this process may run on, and no more.

torch sizes its pool from the machine's cores, which oversubscribes a container held to fewer CPUs by a cgroup
quota (`docker run --cpus 2` on a 64-core host) or an affinity mask, and oversubscribed inference runs slower.
"""

import logging
import math
import os
from pathlib import Path

log = logging.getLogger(__name__)

_CGROUP_V2 = Path("/sys/fs/cgroup/cpu.max")
_CGROUP_V1 = (Path("/sys/fs/cgroup/cpu/cpu.cfs_quota_us"), Path("/sys/fs/cgroup/cpu/cpu.cfs_period_us"))


def _cgroup_quota() -> float | None:
    """CPUs granted by the cgroup CPU quota, or None when unlimited or unknown."""
    try:
        if _CGROUP_V2.is_file():
            quota, period = _CGROUP_V2.read_text().split()[:2]
            return None if quota == "max" else int(quota) / int(period)
        quota_file, period_file = _CGROUP_V1
        if quota_file.is_file() and period_file.is_file():
            quota_us = int(quota_file.read_text())
            return None if quota_us <= 0 else quota_us / int(period_file.read_text())
    except (OSError, ValueError):
        return None
    return None


def available_cpus() -> int:
    """CPUs this process may use: its affinity mask, capped by the cgroup quota (rounded up), at least 1."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    quota = _cgroup_quota()
    if quota is not None:
        cpus = min(cpus, max(1, math.ceil(quota)))
    return max(1, cpus)


def configure_threads(threads: int | None) -> int:
    """Set torch's intra-op pool to `threads` (None: `available_cpus()`); returns the number in use.

    One inference runs at a time, so intra-op threads are the only parallelism that pays.
    """
    import torch  # here, not at the top: the CTranslate2 backend sizes its threads without torch

    wanted = threads or available_cpus()
    if torch.get_num_threads() != wanted:
        torch.set_num_threads(wanted)
        log.info("torch uses %d threads", wanted)
    return wanted
