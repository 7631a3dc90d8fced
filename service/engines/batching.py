"""Token-budget batching: sort by length, fill batches up to a token budget, restore the order."""

from collections.abc import Callable

BatchFn = Callable[[list[str]], list[str]]


def plan_batches(lengths: list[int], batch_tokens: int) -> list[list[int]]:
    """Indices grouped into batches, longest first, each with (rows x longest row) <= batch_tokens.

    Sorting by length keeps padding small; a single item longer than the budget still gets a batch of its own.
    """
    order = sorted(range(len(lengths)), key=lambda index: (-lengths[index], index))
    batches: list[list[int]] = []
    current: list[int] = []
    for index in order:
        # Longest first, so the batch's first item sets its padded width.
        width = lengths[current[0]] if current else lengths[index]
        if current and (len(current) + 1) * max(width, 1) > batch_tokens:
            batches.append(current)
            current = []
        current.append(index)
    if current:
        batches.append(current)
    return batches


def run_in_batches(translate_batch: BatchFn, items: list[str], lengths: list[int], batch_tokens: int) -> list[str]:
    """Run `items` (with their token `lengths`) as length-sorted batches within `batch_tokens` source tokens.

    The result is in input order. Batch composition never changes a result when the engine is batch-invariant
    (fp32); with int8 it is still deterministic for the same input.
    """
    results: list[str] = [""] * len(items)
    for batch in plan_batches(lengths, batch_tokens):
        for index, output in zip(batch, translate_batch([items[i] for i in batch]), strict=True):
            results[index] = output
    return results
