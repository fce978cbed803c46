"""Slow clients against the real service, through nginx (deploy/nginx.conf) and to gunicorn alone.

    .venv/bin/python -m bench.slow_clients                       # both, the deployed settings
    .venv/bin/python -m bench.slow_clients --targets gunicorn --env GUNICORN_THREADS=64
    .venv/bin/python -m bench.slow_clients --wrk 15              # also each worker's CPU share

Seeds a SQLite database in a temporary directory, starts gunicorn (deploy/gunicorn.conf.py, 2
workers) and nginx in front of it, then for each target: opens `--headers` clients sending a header
line and `--bodies` clients sending a byte of a 100 kB POST body every `--interval` seconds, and
meanwhile asks /healthz and the name check (/api/v1/names?q=张心怡, url-encoded) in turn, each on
a new connection, for `--duration` seconds; one unanswered in 5 s (or not 200) counts as 5 s.
Target: p99 ≤ 100 ms. With --wrk N, also runs `wrk -c 8` (keep-alive) on the name check for N s
straight to gunicorn and through nginx, and reports each gunicorn worker's share of the CPU
(utime + stime from /proc) — one worker serving while the other idles shows as 100% / 0%.
Prints a JSON summary."""

import argparse
import http.client
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

from tests.servers import Gunicorn, Nginx, SlowClients, seed

NAME_CHECK = f"/api/v1/names?q={quote('张心怡')}"
PROBE_TIMEOUT = 5.0
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def probe(port: int, path: str) -> float:
    """Milliseconds until a 200 answer on a new connection; PROBE_TIMEOUT if none (or another
    status) came."""
    started = time.monotonic()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=PROBE_TIMEOUT)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        if response.status != 200:
            return PROBE_TIMEOUT * 1000
    except OSError:
        return PROBE_TIMEOUT * 1000
    finally:
        connection.close()
    return (time.monotonic() - started) * 1000


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def summary(values: list[float]) -> dict:
    return {"n": len(values), "p50_ms": round(percentile(values, 50), 1),
            "p99_ms": round(percentile(values, 99), 1), "max_ms": round(max(values), 1),
            "failed": sum(v >= PROBE_TIMEOUT * 1000 for v in values)}


def measure(port: int, duration: float) -> dict:
    latencies = {"/healthz": [], "name check": []}
    deadline = time.monotonic() + duration
    while time.monotonic() < deadline:
        latencies["/healthz"].append(probe(port, "/healthz"))
        latencies["name check"].append(probe(port, NAME_CHECK))
    return {what: summary(values) for what, values in latencies.items()}


def under_attack(port: int, args) -> dict:
    with SlowClients(port, headers=args.headers, bodies=args.bodies,
                     interval=args.interval) as attack:
        time.sleep(2)  # every slow client connected and started
        result = measure(port, args.duration)
        result["slow_clients_still_connected"] = sum(s is not None for s in attack.sockets)
        result["slow_client_reconnects"] = attack.reconnects
    return result


def worker_pids(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return sorted(int(pid) for pid in children)


def cpu_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def worker_shares(gunicorn: Gunicorn, port: int, seconds: int) -> dict:
    """wrk -c 8 (keep-alive) on the name check; each worker's CPU share and cores used."""
    pids = worker_pids(gunicorn.process.pid)
    before = {pid: cpu_ticks(pid) for pid in pids}
    output = subprocess.run(
        [shutil.which("wrk"), "-t", "2", "-c", "8", "-d", f"{seconds}s", "--latency",
         f"http://127.0.0.1:{port}{NAME_CHECK}"], capture_output=True, text=True, check=True).stdout
    used = {pid: cpu_ticks(pid) - before[pid] for pid in pids}
    total = sum(used.values()) or 1
    requests_per_second = next(line.split()[1] for line in output.splitlines()
                               if line.startswith("Requests/sec"))
    return {"requests_per_second": float(requests_per_second),
            "worker_shares_pct": [round(100 * ticks / total) for ticks in used.values()],
            "worker_cores": [round(ticks / CLOCK_TICKS / seconds, 2) for ticks in used.values()]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--targets", default="nginx,gunicorn")
    parser.add_argument("--duration", type=float, default=20)
    parser.add_argument("--headers", type=int, default=50)
    parser.add_argument("--bodies", type=int, default=50)
    parser.add_argument("--interval", type=float, default=3.0)
    parser.add_argument("--wrk", type=int, default=0, metavar="SECONDS")
    parser.add_argument("--wrk-runs", type=int, default=1, help="runs of wrk per target")
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                        help="extra environment for gunicorn (e.g. GUNICORN_THREADS=64)")
    args = parser.parse_args(argv)

    directory = Path(tempfile.mkdtemp(prefix="bench-slow-clients-"))
    database_url = f"sqlite:///{directory / 'registry.db'}"
    seed(database_url)
    extra = dict(item.split("=", 1) for item in args.env)
    # All probes come from 127.0.0.1: the per-client limit would answer 429.
    gunicorn = Gunicorn(directory, database_url, TRUSTED_PROXY_HOPS="1",
                        PUBLIC_RATE_LIMIT="1000000/minute", **extra)
    nginx = Nginx(directory / "nginx", gunicorn.port)
    result = {"env": extra, "headers": args.headers, "bodies": args.bodies,
              "interval_s": args.interval, "duration_s": args.duration}
    try:
        gunicorn.wait_until_ready()
        nginx.wait_until_ready()
        ports = {"nginx": nginx.port, "gunicorn": gunicorn.port}
        for target in filter(None, args.targets.split(",")):
            result[f"{target}, quiet"] = measure(ports[target], 5)
            result[f"{target}, under attack"] = under_attack(ports[target], args)
            print(json.dumps({target: result[f"{target}, under attack"]}), file=sys.stderr)
            time.sleep(args.interval + 1)  # the server drops what is left of the attack
        if args.wrk:
            for target in ("gunicorn", "nginx"):
                result[f"wrk -c 8, {target}"] = [worker_shares(gunicorn, ports[target], args.wrk)
                                                 for _ in range(args.wrk_runs)]
    finally:
        nginx.stop()
        gunicorn.stop()
        shutil.rmtree(directory, ignore_errors=True)
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
