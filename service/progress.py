"""Progress of a long job: a tqdm bar on a terminal, a plain log line every few seconds otherwise."""

import logging
import sys
import time
from typing import Any

from tqdm import tqdm

log = logging.getLogger("khulasa.progress")

_LOG_EVERY_SECONDS = 10.0


class Progress:
    """`advance(n, stats)` after each piece of work; `close()` at the end."""

    def __init__(self, total: int | None, *, done: int = 0, unit: str = "segment") -> None:
        self.total = total
        self.done = done
        self.started = time.monotonic()
        self.first = done
        self.last_log = self.started
        self.bar: Any = None
        if sys.stderr.isatty():
            self.bar = tqdm(total=total, initial=done, unit=unit, dynamic_ncols=True, smoothing=0.1)

    def advance(self, count: int) -> None:
        self.done += count
        if self.bar is not None:
            self.bar.update(count)
            return
        now = time.monotonic()
        if now - self.last_log >= _LOG_EVERY_SECONDS:
            self.last_log = now
            log.info("%s", self.describe(now))

    def describe(self, now: float) -> str:
        rate = (self.done - self.first) / max(now - self.started, 1e-9)
        if self.total:
            remaining = max(self.total - self.done, 0) / rate if rate else float("inf")
            return f"{self.done}/{self.total} segments ({rate:.1f}/s, ETA {remaining:.0f} s)"
        return f"{self.done} segments ({rate:.1f}/s)"

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
