"""Cooperative cancellation of generation: a caller that gave up stops the work instead of leaving it running.

No torch here: the pipeline imports this, and `khulasa segment` must start without torch.

The HTTP layer runs a batch inside `cancellable(check)`; every `generate` in that scope stops at its next decoding
step once `check()` turns true, and `raise_if_cancelled()` between stages keeps the next stage from starting.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from service.errors import Cancelled

_check: ContextVar[Callable[[], bool] | None] = ContextVar("khulasa_cancel_check", default=None)


@contextmanager
def cancellable(check: Callable[[], bool]) -> Iterator[None]:
    """Within this block, generation stops as soon as `check()` is true (it is polled once per decoding step)."""
    token = _check.set(check)
    try:
        yield
    finally:
        _check.reset(token)


def cancelled() -> bool:
    check = _check.get()
    return check is not None and check()


def raise_if_cancelled() -> None:
    """Raise Cancelled when the enclosing `cancellable` scope's callers have all given up."""
    if cancelled():
        raise Cancelled("the request was abandoned before its work finished")


def current_check() -> Callable[[], bool] | None:
    """The enclosing `cancellable` scope's check, or None outside any (generation then needs no stopping rule)."""
    return _check.get()
