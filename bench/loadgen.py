"""HTTP load from a separate process: ``concurrency`` asyncio workers on one httpx
AsyncClient (keep-alive), each sending requests back to back, for ``duration`` seconds
after ``warmup`` seconds; prints one JSON object (throughput, latency percentiles, status
counts, bytes, this process's CPU use).

    python -m bench.loadgen --url http://127.0.0.1:8000/api/v1/tickets?status=open \
        --header 'Authorization: Bearer ...' --concurrency 16 --duration 10
    python -m bench.loadgen --url http://127.0.0.1:8000/api/v1/portal/tickets --portal
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import resource
import sys
import time
from collections import Counter
from typing import Any

import httpx

DESCRIPTION = ("The grinder stopped after two weeks: it hums but the burrs do not turn. "
               "I cleaned it as the manual says and tried another socket.")


def portal_body(n: int) -> dict[str, Any]:
    """A portal ticket by one of 500 customers."""
    customer = n % 500
    return {"name": f"Load Customer {customer}", "email": f"load{customer}@shop.example",
            "subject": f"Grinder number {n} does not start", "description": DESCRIPTION}


def percentile(values: list[float], p: float) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def run(args: argparse.Namespace) -> dict[str, Any]:
    headers = dict(h.split(": ", 1) for h in args.header)
    limits = httpx.Limits(max_connections=args.concurrency,
                          max_keepalive_connections=args.concurrency)
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    errors: Counter[str] = Counter()
    received = [0]
    counter = [0]
    phase = {"measuring": False}
    started_at = time.perf_counter()
    warm_until = started_at + args.warmup
    stop_at = warm_until + args.duration

    async with httpx.AsyncClient(headers=headers, limits=limits, timeout=30.0) as client:
        async def worker() -> None:
            while True:
                now = time.perf_counter()
                if now >= stop_at:
                    return
                counter[0] += 1
                try:
                    if args.portal:
                        response = await client.post(args.url, json=portal_body(counter[0]))
                    else:
                        response = await client.request(args.method, args.url)
                    done = time.perf_counter()
                    if now >= warm_until and done <= stop_at:
                        latencies.append(done - now)
                        statuses[response.status_code] += 1
                        received[0] += len(response.content)
                except httpx.HTTPError as error:
                    if now >= warm_until:
                        errors[type(error).__name__] += 1

        async def measure() -> tuple[float, float]:
            await asyncio.sleep(max(0.0, warm_until - time.perf_counter()))
            phase["measuring"] = True
            return time.perf_counter(), cpu()

        measuring = asyncio.create_task(measure())
        await asyncio.gather(*(worker() for _ in range(args.concurrency)))
        began, cpu_began = await measuring
        ended, cpu_ended = time.perf_counter(), cpu()
    elapsed = ended - began
    ok = sum(n for status, n in statuses.items() if 200 <= status < 300)
    return {
        "url": args.url, "method": "POST" if args.portal else args.method,
        "concurrency": args.concurrency, "seconds": round(elapsed, 3),
        "requests": len(latencies), "ok": ok, "per_second": ok / elapsed if elapsed else 0.0,
        "p50_ms": percentile(latencies, 50) * 1000, "p99_ms": percentile(latencies, 99) * 1000,
        "mean_bytes": received[0] / len(latencies) if latencies else 0,
        "statuses": {str(k): v for k, v in statuses.items()}, "errors": dict(errors),
        "client_cpu_share": (cpu_ended - cpu_began) / elapsed if elapsed else 0.0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", required=True)
    parser.add_argument("--method", default="GET")
    parser.add_argument("--portal", action="store_true", help="POST portal ticket bodies")
    parser.add_argument("--header", action="append", default=[])
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    args = parser.parse_args()
    json.dump(asyncio.run(run(args)), sys.stdout)
    print()


if __name__ == "__main__":
    main()
