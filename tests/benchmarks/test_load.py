"""benchmarks/load.py against a real server with the tiny models: behaviour and memory, never timing."""

import asyncio
import os
from pathlib import Path

import httpx
import pytest

from benchmarks.load import DEFAULT_TEXT, percentile, read_rss_kib, rss_growth, run_load
from tests.conftest import RunningServer


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert [percentile(values, f) for f in (0.5, 0.95, 0.99)] == [50.0, 95.0, 99.0]
    assert percentile([], 0.5) is None


def test_rss_growth_compares_the_first_and_last_windows() -> None:
    samples = [(float(second), 1024 * (100 if second < 5 else 110)) for second in range(20)]
    assert rss_growth(samples, 4.0) == {
        "window_s": 4.0,
        "first_window_mib": 100.0,
        "last_window_mib": 110.0,
        "growth_percent": 10.0,
        "peak_mib": 110.0,
    }
    assert rss_growth([], 4.0) is None


def test_rss_of_this_process_is_read_from_proc() -> None:
    if not Path("/proc/self/status").is_file():
        pytest.skip("no /proc on this system")
    rss = read_rss_kib(os.getpid())
    assert rss is not None and rss > 1024
    assert read_rss_kib(2**22 + 12345) is None  # above Linux's highest pid


@pytest.mark.slow
def test_load_reports_answers_statuses_and_ordered_percentiles(live_server: RunningServer) -> None:
    report = asyncio.run(run_load(live_server.base, "translate", "وصل الوفد إلى القاهرة.", clients=3, seconds=2.0))
    assert report["answered"] > 0 and report["transport_errors"] == {}
    assert set(report["status"]) <= {"200", "429"} and report["status"].get("200", 0) > 0
    latency = report["latency_ms"]
    assert latency["p50"] <= latency["p95"] <= latency["p99"] <= latency["max"]
    assert report["ok_per_second"] > 0


@pytest.mark.slow
def test_thirty_two_clients_for_twenty_seconds(live_server: RunningServer) -> None:
    """No error but deliberate 429s, every client served, memory flat (under 10% RSS growth, first to last 5 s)."""
    base, pid = live_server.base, live_server.process.pid
    for _ in range(3):  # first requests allocate what every later one reuses
        assert httpx.post(f"{base}/summarize", json={"text": DEFAULT_TEXT}, timeout=120).status_code == 200
    report = asyncio.run(run_load(base, "summarize", DEFAULT_TEXT, clients=32, seconds=20.0, pid=pid, rss_window_s=5))
    growth = report["rss"]["growth"]
    print(
        f"\n32 clients, 20 s: {report['status']}, p50 {report['latency_ms']['p50']:.0f} ms, "
        f"p99 {report['latency_ms']['p99']:.0f} ms, RSS {growth['first_window_mib']} -> {growth['last_window_mib']} "
        f"MiB ({growth['growth_percent']:+.1f}%)"
    )
    assert report["transport_errors"] == {}
    assert set(report["status"]) <= {"200", "429"} and report["status"]["200"] > 0
    assert growth["growth_percent"] < 10
    assert httpx.get(f"{base}/health", timeout=30).json() == {"status": "ok"}
    assert '" 500' not in live_server.log_text() and "Traceback" not in live_server.log_text()
