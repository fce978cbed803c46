"""What a first name check costs in process, without HTTP: CPU and wall time per request through
the whole Flask stack (hooks, limiter, parsing, the check, encoding), over distinct queries.

    python -m bench.name_cpu --database-url sqlite:///bench/out/registry.db [--queries 3000]
        [--common 50] [--rounds 3] [--profile out.prof]

Each query of `bench.load.first_name_queries` is asked once (every answer is computed); then the
`--common` names with the most roster entries, `--rounds` times, the answer cache emptied before
each round. The limiter counts every request (limits set too high to trip) in a file of its own.
Point it at a copy of a generated registry: nothing is written to it, but SQLite may touch its
-wal and -shm files."""

import argparse
import cProfile
import os
import pstats
import random
import statistics
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

from peewee import fn

from bench.load import first_name_queries, percentile
from service import create_app
from service.domain.models import RosterEntry
from service.infra.cache import answer_cache
from service.infra.db import database, is_sqlite

LIMIT = "100000000/minute;100000000/hour"  # two items, as the default "60/minute;1000/hour"


def environ(path: str, query: str) -> dict:
    return {"REQUEST_METHOD": "GET", "SCRIPT_NAME": "", "PATH_INFO": path,
            "QUERY_STRING": query, "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000",
            "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1",
            "HTTP_HOST": "127.0.0.1:8000", "wsgi.url_scheme": "http", "wsgi.input": None,
            "wsgi.errors": None, "wsgi.multithread": True, "wsgi.multiprocess": True,
            "wsgi.run_once": False, "wsgi.version": (1, 0)}


def ask(app, query: str) -> tuple[float, float, bytes]:
    """(CPU ms, wall ms, body) of one name check."""
    statuses = []
    wall, cpu = time.perf_counter(), time.thread_time()
    body = b"".join(app(environ("/api/v1/names", "q=" + quote(query)),
                        lambda status, headers: statuses.append(status)))
    cpu, wall = time.thread_time() - cpu, time.perf_counter() - wall
    assert statuses[0].startswith("200"), (query, statuses, body[:300])
    return cpu * 1000, wall * 1000, body


def server_cpu_seconds() -> float:
    """CPU used so far by this thread's PostgreSQL backend (0 on SQLite, which runs in process)."""
    if is_sqlite():
        return 0.0
    with database.connection_context():
        [pid] = database.execute_sql("SELECT pg_backend_pid()").fetchone()
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def summary(label: str, cpu: list[float], wall: list[float], server: float) -> str:
    wall = sorted(wall)
    return (f"{label:>10}: n={len(cpu)} CPU ms median {statistics.median(cpu):.3f} "
            f"mean {statistics.fmean(cpu):.3f} server {server * 1000 / len(cpu):.3f} "
            f"| wall ms p50 {percentile(wall, 50):.2f} "
            f"p95 {percentile(wall, 95):.2f} p99 {percentile(wall, 99):.2f} "
            f"max {wall[-1]:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--queries", type=int, default=3000)
    parser.add_argument("--common", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", default="namecpu")
    parser.add_argument("--profile")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="name_cpu-"))
    app = create_app({"DATABASE_URL": args.database_url, "PUBLIC_RATE_LIMIT": LIMIT,
                      "SEARCH_RATE_LIMIT": LIMIT,
                      "RATELIMIT_STORAGE_URI": f"sqlite:///{folder / 'ratelimits.db'}",
                      "LOG_LEVEL": "WARNING"})
    with database.connection_context():
        queries = [q for _, q in first_name_queries(random.Random(args.seed), args.queries)]
        common = [name for name, _ in RosterEntry.select(
            fn.MIN(RosterEntry.name), fn.COUNT(RosterEntry.id).alias("n"))
            .group_by(RosterEntry.variant_key).order_by(fn.COUNT(RosterEntry.id).desc())
            .limit(args.common).tuples()]
    for query in queries[:50]:  # warm-up: dictionaries, prepared statements, notice memo
        ask(app, query + "甲")
    profiler = cProfile.Profile() if args.profile else None
    if profiler:
        profiler.enable()
    cpu, wall, server = [], [], server_cpu_seconds()
    for query in queries:
        c, w, _ = ask(app, query)
        cpu.append(c)
        wall.append(w)
    if profiler:
        profiler.disable()
        profiler.dump_stats(args.profile)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
    server = server_cpu_seconds() - server
    print(summary("first", cpu, wall, server))
    ccpu, cwall, server = [], [], server_cpu_seconds()
    for _ in range(args.rounds):
        with app.app_context():
            answer_cache("names")._entries.clear()
        for name in common:
            c, w, _ = ask(app, name)
            ccpu.append(c)
            cwall.append(w)
    print(summary("common", ccpu, cwall, server_cpu_seconds() - server))


if __name__ == "__main__":
    main()
