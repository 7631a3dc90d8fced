"""Load on a running Khulasa server: N concurrent clients for T seconds.

Usage: python benchmarks/load.py [--url http://127.0.0.1:8000] [--clients 8] [--seconds 30]
                                 [--route summarize|translate|segment] [--text FILE] [--pid PID] [--out JSON]

Each client sends its next request as soon as the previous one is answered; after a 429 it first waits the
Retry-After the server asked for, as a well-behaved client does. Reports throughput, latency percentiles of the
answered requests, answers by status code (429s included: they are the server refusing load on purpose) and
transport errors by kind, with the server's /info and the machine facts, as JSON in benchmarks/results/. With
--pid (the server's process, on this machine) it also samples the server's resident memory and reports how much
it grew between the first and the last --rss-window seconds.
"""

import argparse
import asyncio
import json
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from benchmarks.machine import machine

RESULTS = Path(__file__).resolve().parent / "results"
# Text the project wrote, used when no --text is given.
DEFAULT_TEXT = (
    "أعلنت وزارة الصحة اليوم افتتاح مستشفى جديد في شمال العاصمة يضم مئتي سرير.\n\n"
    "وقال الوزير إن المستشفى سيخدم أكثر من نصف مليون نسمة في الأحياء الشمالية.\n\n"
    "من جانب آخر، ارتفعت أسعار النفط في الأسواق العالمية بعد قرار خفض الإنتاج."
)
# A server asking for a longer pause than this is waited on for this long only, so a run ends on time.
_MAX_RETRY_AFTER_S = 5.0


def body_for(route: str, text: str) -> dict[str, Any]:
    return {"q": text} if route == "translate" else {"text": text}


def percentile(values: list[float], fraction: float) -> float | None:
    """Nearest-rank percentile; None when there are no values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def read_rss_kib(pid: int) -> int | None:
    """Resident memory of process `pid` in KiB, from /proc (Linux); None when it cannot be read."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return None


def rss_growth(samples: list[tuple[float, int]], window_s: float) -> dict[str, float] | None:
    """Mean RSS (MiB) of the first and the last `window_s` seconds of (seconds, KiB) samples, and the growth
    from one to the other in percent; None without samples in both windows."""
    if not samples:
        return None
    end = samples[-1][0]
    first = [kib for at, kib in samples if at <= window_s]
    last = [kib for at, kib in samples if at >= end - window_s]
    if not first or not last:
        return None
    before, after = statistics.fmean(first) / 1024, statistics.fmean(last) / 1024
    return {
        "window_s": window_s,
        "first_window_mib": round(before, 1),
        "last_window_mib": round(after, 1),
        "growth_percent": round((after / before - 1) * 100, 2),
        "peak_mib": round(max(kib for _, kib in samples) / 1024, 1),
    }


@dataclass
class _Tally:
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)


async def _client(session: httpx.AsyncClient, url: str, body: dict[str, Any], deadline: float, tally: _Tally) -> None:
    while time.monotonic() < deadline:
        started = time.perf_counter()
        try:
            response = await session.post(url, json=body)
        except httpx.HTTPError as error:
            tally.errors[type(error).__name__] += 1
            continue
        tally.statuses[response.status_code] += 1
        if response.status_code == 200:
            tally.latencies.append((time.perf_counter() - started) * 1000)
        elif response.status_code == 429:
            pause = float(response.headers.get("retry-after", "1") or 1)
            await asyncio.sleep(min(pause, _MAX_RETRY_AFTER_S, max(0.0, deadline - time.monotonic())))


async def _sample_rss(pid: int, interval: float, deadline: float, samples: list[tuple[float, int]]) -> None:
    began = time.monotonic()
    while time.monotonic() < deadline:
        kib = read_rss_kib(pid)
        if kib is not None:
            samples.append((round(time.monotonic() - began, 3), kib))
        await asyncio.sleep(interval)


async def run_load(
    url: str,
    route: str,
    text: str,
    clients: int,
    seconds: float,
    *,
    pid: int | None = None,
    rss_window_s: float = 10.0,
) -> dict[str, Any]:
    """Drive the server and summarise what came back. Latencies are in milliseconds.

    `pid`: the server process on this machine; its RSS is sampled twice a second and reported under "rss".
    """
    tally = _Tally()
    samples: list[tuple[float, int]] = []
    body = body_for(route, text)
    deadline = time.monotonic() + seconds
    began = time.perf_counter()
    async with httpx.AsyncClient(timeout=httpx.Timeout(300.0)) as session:
        work = [_client(session, f"{url}/{route}", body, deadline, tally) for _ in range(clients)]
        sampling = [_sample_rss(pid, 0.5, deadline, samples)] if pid is not None else []
        await asyncio.gather(*work, *sampling)
    elapsed = time.perf_counter() - began
    report: dict[str, Any] = {
        "route": route,
        "clients": clients,
        "seconds": round(elapsed, 3),
        "answered": sum(tally.statuses.values()),
        "ok_per_second": round(tally.statuses[200] / elapsed, 3),
        "latency_ms": _latency_summary(tally.latencies),
        "status": {str(code): count for code, count in sorted(tally.statuses.items())},
        "transport_errors": dict(tally.errors),
        "honours_retry_after": True,
    }
    if pid is not None:
        report["rss"] = {"pid": pid, "growth": rss_growth(samples, rss_window_s), "samples_kib": samples}
    return report


def _latency_summary(latencies: list[float]) -> dict[str, float | None]:
    return {
        "p50": percentile(latencies, 0.50),
        "p95": percentile(latencies, 0.95),
        "p99": percentile(latencies, 0.99),
        "max": max(latencies, default=None),
        "mean": statistics.fmean(latencies) if latencies else None,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--route", choices=["summarize", "translate", "segment"], default="summarize")
    parser.add_argument("--text", type=Path, help="UTF-8 file to send (default: a short text the project wrote)")
    parser.add_argument("--pid", type=int, help="the server's process id, to sample its RSS (Linux)")
    parser.add_argument("--rss-window", dest="rss_window", type=float, default=10.0, help="seconds compared")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    text = args.text.read_text(encoding="utf-8") if args.text else DEFAULT_TEXT
    info = httpx.get(f"{args.url}/info", timeout=10).json()
    report = asyncio.run(
        run_load(args.url, args.route, text, args.clients, args.seconds, pid=args.pid, rss_window_s=args.rss_window)
    )
    report |= {"url": args.url, "text_chars": len(text), "server": info, "machine": machine()}
    out = args.out or RESULTS / f"load-{args.route}-c{args.clients}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    latency = report["latency_ms"]
    growth = (report.get("rss") or {}).get("growth")
    print(f"{report['answered']} answers in {report['seconds']} s: {report['ok_per_second']} ok/s; "
          f"p50 {latency['p50']} ms, p95 {latency['p95']} ms, p99 {latency['p99']} ms; status {report['status']}; "
          f"transport errors {report['transport_errors']}; RSS {growth}; written to {out}")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
