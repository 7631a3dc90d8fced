import pytest

from service.engines.batching import plan_batches, run_in_batches


@pytest.mark.parametrize("budget", [1, 10, 40, 1000])
def test_batches_cover_every_item_once_within_budget(budget: int) -> None:
    lengths = [5, 17, 3, 9, 9, 1, 30, 12]
    batches = plan_batches(lengths, budget)
    assert sorted(i for batch in batches for i in batch) == list(range(len(lengths)))
    for batch in batches:
        widest = max(lengths[i] for i in batch)
        assert len(batch) == 1 or len(batch) * widest <= budget


def test_batches_run_longest_first() -> None:
    batches = plan_batches([2, 8, 5], 100)
    assert batches == [[1, 2, 0]]


def test_budgeted_calls_restore_input_order() -> None:
    calls: list[list[str]] = []

    def upper(items: list[str]) -> list[str]:
        calls.append(items)
        return [item.upper() for item in items]

    items = ["ab", "cdef", "g", "hij"]
    assert run_in_batches(upper, items, [len(item) for item in items], batch_tokens=6) == ["AB", "CDEF", "G", "HIJ"]
    assert len(calls) > 1 and all(len(call) * max(map(len, call)) <= 6 or len(call) == 1 for call in calls)
