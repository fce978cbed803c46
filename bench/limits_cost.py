"""What counting a public request costs, per rate limit storage: the limiter alone (in process),
and the name check through the real gunicorn (2 workers, seeded SQLite registry).

    python -m bench.limits_cost [--requests 3000]

Storages: memory:// (per process: the old default, not shared), the SQLite file (the default),
Redis at 127.0.0.1:6379. The limits are set too high to trip: only their cost is measured."""

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import requests
from limits import parse_many

from service.infra.limits import PublicLimiter
from tests.processes import free_port, wait_until_ready

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
LIMIT = "100000000/minute;100000000/hour"  # two items, as the default "60/minute;1000/hour"
BATCH = 50


def storages(folder: Path) -> dict[str, str]:
    return {"memory": "memory://", "sqlite": f"sqlite:///{folder / 'ratelimits.db'}",
            "redis": "redis://127.0.0.1:6379/3"}


def limiter_alone(uri: str, count: int) -> float:
    """Microseconds per counted request (both items of the limit)."""
    limiter = PublicLimiter(uri, uuid.uuid4().hex)
    items = parse_many(LIMIT)
    started = time.perf_counter()
    for _ in range(count):
        for item in items:
            limiter.hit(item, "PUBLIC_RATE_LIMIT", "127.0.0.1")
    return (time.perf_counter() - started) / count * 1e6


def name_check_latencies(base: str, count: int) -> list[float]:
    """Milliseconds per name check, one client after another on a keep-alive connection."""
    latencies = []
    with requests.Session() as session:
        for i in range(count):
            started = time.perf_counter()
            response = session.get(f"{base}/api/v1/names", params={"q": f"张心{i % 50}"})
            latencies.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.text
    return latencies


def serve(database_url: str, storage_uri: str):
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "PORT": str(port), "WEB_CONCURRENCY": "2",
           "PUBLIC_RATE_LIMIT": LIMIT, "SEARCH_RATE_LIMIT": LIMIT, "LOG_LEVEL": "WARNING",
           "RATELIMIT_STORAGE_URI": storage_uri, "RATELIMIT_KEY_PREFIX": uuid.uuid4().hex,
           "NAME_CHECK_CACHE_MB": "0"}
    process = subprocess.Popen(
        [BIN / "gunicorn", "-c", "deploy/gunicorn.conf.py", "service:create_app()"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    wait_until_ready(f"{base}/readyz", process)
    return base, process


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000, help="name checks per storage")
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="limits-cost-"))
    database_url = f"sqlite:///{folder / 'registry.db'}"
    for command in ("init-db", "seed"):
        subprocess.run([BIN / "flask", "--app", "service", command], cwd=ROOT, check=True,
                       env={**os.environ, "DATABASE_URL": database_url}, capture_output=True)
    alone = {name: limiter_alone(uri, args.requests) for name, uri in storages(folder).items()}
    servers = {name: serve(database_url, uri) for name, uri in storages(folder).items()}
    latencies = {name: [] for name in servers}
    try:
        for base, _ in servers.values():
            name_check_latencies(base, 100)  # warm-up
        # Small batches, taking turns, so that the machine's changing load falls on each alike.
        for _ in range(args.requests // BATCH):
            for name, (base, _) in servers.items():
                latencies[name] += name_check_latencies(base, BATCH)
    finally:
        for _, process in servers.values():
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)
    print(f"{'storage':8} {'limiter µs/request':>19} {'name check p50 ms':>18} {'p90 ms':>7}")
    for name, values in latencies.items():
        print(f"{name:8} {alone[name]:19.1f} {statistics.median(values):18.2f} "
              f"{statistics.quantiles(values, n=10)[-1]:7.2f}")


if __name__ == "__main__":
    main()
