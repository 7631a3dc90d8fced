"""benchmarks/load.py against a real server with the tiny models (behaviour, not timing)."""

import asyncio

from benchmarks.load import percentile, run_load


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert [percentile(values, f) for f in (0.5, 0.95, 0.99)] == [50.0, 95.0, 99.0]
    assert percentile([], 0.5) is None


def test_load_reports_answers_statuses_and_ordered_percentiles(server: str) -> None:
    report = asyncio.run(run_load(server, "translate", "وصل الوفد إلى القاهرة.", clients=3, seconds=2.0))
    assert report["answered"] > 0 and report["transport_errors"] == {}
    assert set(report["status"]) <= {"200", "429"} and report["status"].get("200", 0) > 0
    latency = report["latency_ms"]
    assert latency["p50"] <= latency["p95"] <= latency["p99"] <= latency["max"]
    assert report["ok_per_second"] > 0
