"""Benchmark of the shared rate limiters: do many processes stay together under
the configured rate?

    .venv/bin/python bench/rate_limiter.py [--redis redis://127.0.0.1:6379/0]
        [--stores redis,file] [--processes 4] [--seconds 10] [--rate 10] [--burst 10]

For each store (the Redis limiter of a deployment, the file the embedded default shares
between one machine's processes), each process acquires permits as fast as it can (8
concurrent callers each) for the same window; the figures are the permits granted in
total and per process, against the ceiling `burst + rate x seconds`. The target: every
store within the ceiling. Written to bench/results/rate_limiter.json.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CHILD = """
import asyncio, json, sys, time
sys.path.insert(0, {root!r})
from adapters.local.ratelimit import SharedFileRateLimiter
from adapters.redis.coordination import redis_client
from adapters.redis.ratelimit import RedisRateLimiter
from application.ports.rate_limiter import RateLimits

async def main(where, namespace, start, seconds, rate, burst):
    limits = RateLimits(per_second=rate, burst=burst, quotas={{}})
    if where.startswith("file:"):
        client, limiter = None, SharedFileRateLimiter(limits, where[5:])
    else:
        client = redis_client(where)
        limiter = RedisRateLimiter(client, limits, namespace=namespace)
    await asyncio.sleep(max(0.0, start - time.time()))
    end = start + seconds
    granted = 0
    waited = 0.0

    async def caller():
        nonlocal granted, waited
        while True:
            waited += await limiter.acquire()
            if time.time() > end:
                return
            granted += 1

    await asyncio.gather(*(caller() for _ in range(8)))
    if client is not None:
        await client.aclose()
    print(json.dumps({{"granted": granted, "waited": round(waited, 2)}}))

asyncio.run(main(sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4]),
                 float(sys.argv[5]), int(sys.argv[6])))
"""


def run(where: str, args: argparse.Namespace) -> dict[str, object]:
    namespace = f"meli-bench-{uuid.uuid4().hex}"
    start = time.time() + 2.0
    children = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                CHILD.format(root=str(ROOT)),
                where,
                namespace,
                str(start),
                str(args.seconds),
                str(args.rate),
                str(args.burst),
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(args.processes)
    ]
    outcomes = [json.loads(child.communicate(timeout=args.seconds + 60)[0]) for child in children]
    granted = [o["granted"] for o in outcomes]
    ceiling = args.burst + args.rate * args.seconds
    return {
        "granted_total": sum(granted),
        "granted_per_process": granted,
        "ceiling_burst_plus_rate_x_seconds": ceiling,
        "achieved_rate_per_second": round(sum(granted) / args.seconds, 2),
        "within_ceiling": sum(granted) <= ceiling,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--stores", default="redis,file")
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--rate", type=float, default=10.0)
    parser.add_argument("--burst", type=int, default=10)
    args = parser.parse_args()
    stores = {}
    with tempfile.TemporaryDirectory() as scratch:
        for store in args.stores.split(","):
            where = args.redis if store == "redis" else f"file:{scratch}/rate-limiter.json"
            stores[store] = run(where, args)
    result = {
        "processes": args.processes,
        "callers_per_process": 8,
        "seconds": args.seconds,
        "rate_per_second": args.rate,
        "burst": args.burst,
        "stores": stores,
        "target": "every store grants at most burst + rate x seconds",
        "target_met": all(store["within_ceiling"] for store in stores.values()),
    }
    print(json.dumps(result, indent=2))
    out = ROOT / "bench" / "results" / "rate_limiter.json"
    out.write_text(json.dumps({"command": " ".join(sys.argv), "result": result}, indent=2))
    print(f"written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
