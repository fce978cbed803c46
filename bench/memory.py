"""Memory per gunicorn worker, fresh and with the caches full (issue 16: ≤ 120 MB RSS).

    python -m bench.memory --database-url sqlite:///bench/out/registry.db [--env NAME=VALUE]

Starts the real gunicorn as bench/load.py does, reads each worker's RSS, anonymous RSS, PSS and
USS (bench.load.Server.worker_memory), then asks distinct first questions (names, then articles,
as bench/load.py makes them) over several connections at once so that every worker gets its share,
and reads them again. Also reports each kind's median and p95 time, to weigh a setting's cost.
"""

import argparse
import json
import os
import statistics
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench.load import OUT, ROOT, Server, build_paths, get, log, percentile


def ask(port: int, paths: list[str], connections: int) -> dict:
    """Every path once, `connections` at a time, each on a new connection; times in ms."""
    with ThreadPoolExecutor(connections) as pool:
        answers = list(pool.map(lambda path: get(port, path), paths))
    times = sorted(seconds * 1000 for _, _, seconds in answers)
    statuses: dict[int, int] = {}
    for status, _, _ in answers:
        statuses[status] = statuses.get(status, 0) + 1
    return {"requests": len(paths), "statuses": statuses,
            "p50_ms": round(statistics.median(times), 1) if times else None,
            "p95_ms": round(percentile(times, 95), 1) if times else None}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--label", default="memory")
    parser.add_argument("--names", type=int, default=6000, help="distinct first name checks")
    parser.add_argument("--articles", type=int, default=1000,
                        help="distinct first article searches of each kind (short, long)")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=20240126)
    parser.add_argument("--app-dir", type=Path, default=ROOT)
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE")
    args = parser.parse_args(argv)
    if not args.database_url:
        parser.error("set DATABASE_URL or --database-url")
    extra_env = dict(setting.split("=", 1) for setting in args.env)
    paths = build_paths(args.database_url, args.seed, 1, args.names, args.articles)
    OUT.mkdir(parents=True, exist_ok=True)
    server = Server(args.database_url, args.workers, None, args.app_dir,
                    OUT / f"gunicorn-{args.label}.log", "100000000/minute", extra_env)
    result = {"label": args.label, "env": extra_env, "app_dir": str(args.app_dir)}
    try:
        result["fresh"] = server.worker_memory()
        log(f"fresh: {json.dumps(result['fresh'])}")
        for scenario in ("names-first", "articles-first-short", "articles-first-long"):
            result[scenario] = ask(server.port, [path for _, _, path in paths[scenario]],
                                   args.connections)
            log(f"{scenario}: {json.dumps(result[scenario])}")
        result["filled"] = server.worker_memory()
        log(f"filled: {json.dumps(result['filled'])}")
    finally:
        server.stop()
    (OUT / f"memory-{args.label}.json").write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
