"""Load on a running Khulasa server: N concurrent clients for T seconds.

Usage: python benchmarks/load.py [--url http://127.0.0.1:8000] [--clients 8] [--seconds 30]
                                 [--route summarize|translate|segment] [--text FILE] [--out JSON]

Each client sends its next request as soon as the previous one is answered. Reports throughput, latency percentiles
of the answered requests, answers by status code (429s included: they are the server refusing load on purpose) and
transport errors by kind, with the server's /info and the machine facts, as JSON in benchmarks/results/.
"""

import argparse
import asyncio
import json
import statistics
import time
from collections import Counter
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


def body_for(route: str, text: str) -> dict[str, Any]:
    return {"q": text} if route == "translate" else {"text": text}


def percentile(values: list[float], fraction: float) -> float | None:
    """Nearest-rank percentile; None when there are no values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


async def run_load(url: str, route: str, text: str, clients: int, seconds: float) -> dict[str, Any]:
    """Drive the server and summarise what came back. Latencies are in milliseconds."""
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    errors: Counter[str] = Counter()
    body = body_for(route, text)
    deadline = time.monotonic() + seconds

    async def client(session: httpx.AsyncClient) -> None:
        while time.monotonic() < deadline:
            started = time.perf_counter()
            try:
                response = await session.post(f"{url}/{route}", json=body)
            except httpx.HTTPError as error:
                errors[type(error).__name__] += 1
                continue
            statuses[response.status_code] += 1
            if response.status_code == 200:
                latencies.append((time.perf_counter() - started) * 1000)

    began = time.perf_counter()
    async with httpx.AsyncClient(timeout=httpx.Timeout(300.0)) as session:
        await asyncio.gather(*(client(session) for _ in range(clients)))
    elapsed = time.perf_counter() - began
    return {
        "route": route,
        "clients": clients,
        "seconds": round(elapsed, 3),
        "answered": sum(statuses.values()),
        "ok_per_second": round(statuses[200] / elapsed, 3),
        "latency_ms": {
            "p50": percentile(latencies, 0.50),
            "p95": percentile(latencies, 0.95),
            "p99": percentile(latencies, 0.99),
            "max": max(latencies, default=None),
            "mean": statistics.fmean(latencies) if latencies else None,
        },
        "status": {str(code): count for code, count in sorted(statuses.items())},
        "transport_errors": dict(errors),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--route", choices=["summarize", "translate", "segment"], default="summarize")
    parser.add_argument("--text", type=Path, help="UTF-8 file to send (default: a short text the project wrote)")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    text = args.text.read_text(encoding="utf-8") if args.text else DEFAULT_TEXT
    info = httpx.get(f"{args.url}/info", timeout=10).json()
    report = asyncio.run(run_load(args.url, args.route, text, args.clients, args.seconds))
    report |= {"url": args.url, "text_chars": len(text), "server": info, "machine": machine()}
    out = args.out or RESULTS / f"load-{args.route}-c{args.clients}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    latency = report["latency_ms"]
    print(f"{report['answered']} answers in {report['seconds']} s: {report['ok_per_second']} ok/s; "
          f"p50 {latency['p50']} ms, p95 {latency['p95']} ms, p99 {latency['p99']} ms; status {report['status']}; "
          f"transport errors {report['transport_errors']}; written to {out}")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
