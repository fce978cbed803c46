"""Drive the real gunicorn over loopback HTTP and report requests/s and p50/p95/p99 per scenario.

    python -m bench.load --database-url sqlite:///bench/out/registry.db

Starts `gunicorn -c deploy/gunicorn.conf.py "service:create_app()"` on a free 127.0.0.1 port with
DATABASE_URL pointing at a generated registry (bench/generate.py), builds its queries from that
database (seeded), checks every query once (warm-up, status and hit counts), then runs each scenario
for a fixed time with a fixed number of keep-alive connections, `--runs` times, interleaved, and
reports the median run. Scenarios: `healthz` (the ceiling), `names` (existing names, traditional
variants, pinyin and misses), `articles-2` (two-character queries), `articles-long` (longer words,
phrases, Latin tokens). The client is wrk when installed (`apt-get install -y wrk`), else a Python
keep-alive client in one process per connection; the client's and the server's CPU are measured
so that a client bottleneck shows. Everything stops by itself; results go to bench/out/.
"""

import argparse
import http.client
import json
import multiprocessing
import os
import random
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

from opencc import OpenCC
from peewee import fn
from pypinyin import lazy_pinyin

from bench import text
from bench.names import COMMON_GIVEN, NameMaker
from service.domain.folding import variant_key
from service.domain.models import Article, RosterEntry
from service.infra.db import database, open_database

ROOT = Path(__file__).resolve().parent.parent
OUT = Path(__file__).resolve().parent / "out"
BIN = Path(sys.executable).parent
# First questions (each asked once in a run: every request is a cache miss), then repeated ones.
FIRST_SCENARIOS = ("names-first", "articles-first-short", "articles-first-long")
SCENARIOS = ("healthz", *FIRST_SCENARIOS, "names", "articles-2", "articles-long")
CJK_RUN = re.compile("[\u4e00-\u9fff]+")
HOST = "127.0.0.1"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
# Characters seldom given as names: a query built from them is (almost surely) not on a roster.
RARE_GIVEN = "龢燊堃犇昇翀彧赟昶玥珺婳缇翾淏喆旻珩砚璟煊祎瑀琮"


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


# --- queries --------------------------------------------------------------------------------------

def _roster_names(rng: random.Random, count: int) -> list[str]:
    """`count` names of random roster entries: a name comes up as often as it is on rosters."""
    last = RosterEntry.select(RosterEntry.id).order_by(RosterEntry.id.desc()).scalar()
    ids = [rng.randint(1, last) for _ in range(count)]
    found = dict(RosterEntry.select(RosterEntry.id, RosterEntry.name)
                 .where(RosterEntry.id.in_(ids)).tuples())
    return [found[i] for i in ids if i in found]


def _as_typed(rng: random.Random, name: str) -> str:
    """Some typed with a space or in full width: still an exact match after folding."""
    form = rng.random()
    if form < 0.1 and "·" not in name:
        return name[0] + " " + name[1:]
    if form < 0.15:
        return name.replace("·", "・")
    return name


def _pinyin(rng: random.Random, name: str) -> str:
    syllables = [s for s in lazy_pinyin(name.replace("·", "")) if s.isalpha()]
    style = rng.random()
    if style < 0.4:
        return syllables[0] + " " + "".join(syllables[1:])
    if style < 0.7:
        return "".join(s.capitalize() for s in syllables)
    return "".join(syllables)


def _miss(maker: NameMaker, rng: random.Random) -> str | None:
    """A name built from characters seldom given as names, if it is on no roster."""
    name = maker.surname() + rng.choice(RARE_GIVEN) + rng.choice(RARE_GIVEN + "一")
    # Through the variant key's index: an exact match is a variant match too.
    on_roster = RosterEntry.select().where(RosterEntry.variant_key == variant_key(name))
    return None if on_roster.exists() else name


def name_queries(rng: random.Random, count: int) -> list[tuple[str, str]]:
    """(kind, query): 40% names on a roster, 20% traditional variants, 25% pinyin, 15% misses."""
    t2s = OpenCC("s2t")
    queries = [("exact", _as_typed(rng, name)) for name in _roster_names(rng, round(count * 0.4))]
    variants = []
    while len(variants) < round(count * 0.2):
        for name in _roster_names(rng, count):
            variant = t2s.convert(name).replace("·", "•")
            if variant != name and len(variants) < round(count * 0.2):
                variants.append(("variant", variant))
    queries += variants
    queries += [("pinyin", _pinyin(rng, name))
                for name in _roster_names(rng, round(count * 0.25))]
    maker = NameMaker(rng)
    misses = []
    while len(misses) < count - len(queries):
        if (name := _miss(maker, rng)) is not None:
            misses.append(("miss", name))
    queries += misses
    rng.shuffle(queries)
    return queries


def first_name_queries(rng: random.Random, count: int) -> list[tuple[str, str]]:
    """(kind, query), no two alike, as the public asks them: 60% roster names (drawn by how often
    they are on rosters), 10% their traditional forms, 10% pinyin, 20% names on no roster."""
    t2s = OpenCC("s2t")
    maker = NameMaker(rng)
    seen: set[str] = set()
    quotas = {"exact": round(count * 0.6), "variant": round(count * 0.1),
              "pinyin": round(count * 0.1)}
    quotas["miss"] = count - sum(quotas.values())

    def traditional(name: str) -> str | None:
        variant = t2s.convert(name).replace("·", "•")
        return variant if variant != name else None  # a name with no traditional form

    forms = {"exact": lambda name: _as_typed(rng, name), "variant": traditional,
             "pinyin": lambda name: _pinyin(rng, name)}
    queries = []
    for kind, quota in quotas.items():
        found = 0
        while found < quota:
            if kind == "miss":
                candidates = [_miss(maker, rng) for _ in range(quota - found)]
            else:
                candidates = [forms[kind](name) for name in _roster_names(rng, quota - found)]
            for query in candidates:
                if query and query not in seen and found < quota:
                    seen.add(query)
                    queries.append((kind, query))
                    found += 1
    rng.shuffle(queries)
    return queries


def _words(*lists) -> list[str]:
    return list(dict.fromkeys(w for words in lists for w in words))


def article_queries(rng: random.Random, count: int) -> dict[str, list[tuple[str, str]]]:
    """Two-character queries (words, and a few name fragments) and longer ones."""
    vocabulary = _words(text.TECH, text.ECONOMY, text.VERBS, text.MODIFIERS, text.PROVINCES,
                        text.CITIES, text.MEETINGS, text.DOCUMENTS)
    two = [w for w in vocabulary if len(w) == 2 and all("\u4e00" <= c <= "\u9fff" for c in w)]
    longer = [w for w in vocabulary if len(w) >= 3 and not w.isascii()]
    latin = [w for w in vocabulary if w.isascii()] + ["2025", "1269", "AVS3 标准", "5G 基站"]
    short = [("word", rng.choice(two)) for _ in range(round(count * 0.9))]
    short += [("name", rng.choice(COMMON_GIVEN)) for _ in range(count - len(short))]
    long_queries = []
    for _ in range(count):
        draw = rng.random()
        if draw < 0.5:
            long_queries.append(("word", rng.choice(longer)))
        elif draw < 0.7:
            long_queries.append(("phrase", rng.choice(text.TECH) + rng.choice(text.ECONOMY)))
        elif draw < 0.85:
            long_queries.append(("two terms",
                                 rng.choice(longer) + " " + rng.choice(text.PROVINCES)))
        else:
            long_queries.append(("latin", rng.choice(latin)))
    rng.shuffle(short)
    return {"articles-2": short, "articles-long": long_queries}


def _piece(rng: random.Random, run: str, shortest: int, longest: int) -> str | None:
    """A random piece of `run`, `shortest` to `longest` characters long."""
    if len(run) < shortest:
        return None
    length = rng.randint(shortest, min(longest, len(run)))
    start = rng.randint(0, len(run) - length)
    return run[start:start + length]


def first_article_queries(rng: random.Random, count: int) -> dict[str, list[tuple[str, str]]]:
    """Per scenario (kind, query), no two alike, cut from real titles: 2–4 characters; and 5–8
    characters (70%) or two pieces of 2–4 characters of one title (30%)."""
    last = Article.select(fn.MAX(Article.id)).scalar()
    if last is None:  # a data set of rosters only (bench.generate --skip-articles)
        return {"articles-first-short": [], "articles-first-long": []}
    short: dict[str, str] = {}
    long_queries: dict[str, str] = {}
    for _ in range(100):  # bounded: a small data set may not have `count` distinct pieces
        if len(short) >= count and len(long_queries) >= count:
            break
        ids = [rng.randint(1, last) for _ in range(count)]
        titles = Article.select(Article.title).where(Article.id.in_(ids)).tuples()
        for (title,) in titles:
            runs = CJK_RUN.findall(title)
            if not runs:
                continue
            run = rng.choice(runs)
            piece = _piece(rng, run, 2, 4)
            if piece and len(short) < count:
                short.setdefault(piece, f"{len(piece)} chars")
            if rng.random() < 0.7:
                piece, kind = _piece(rng, run, 5, 8), "5-8 chars"
            else:
                middle = len(run) // 2
                first, second = _piece(rng, run[:middle], 2, 4), _piece(rng, run[middle:], 2, 4)
                piece, kind = (f"{first} {second}" if first and second else None), "two terms"
            if piece and len(long_queries) < count:
                long_queries.setdefault(piece, kind)
    first = {"articles-first-short": short, "articles-first-long": long_queries}
    result = {}
    for scenario, queries in first.items():
        pairs = [(kind, query) for query, kind in queries.items()]
        rng.shuffle(pairs)
        result[scenario] = pairs
    return result


def build_paths(database_url: str, seed: int, count: int, first_names: int,
                first_articles: int) -> dict[str, list[tuple[str, str, str]]]:
    """Per scenario: (kind, query, path)."""
    database.initialize(open_database(database_url))
    rng = random.Random(f"{seed}-queries")
    with database.connection_context():
        names = name_queries(rng, count)
        first_names_queries = first_name_queries(random.Random(f"{seed}-first-names"),
                                                 first_names)
        first_articles_queries = first_article_queries(
            random.Random(f"{seed}-first-articles"), first_articles)
    scenarios = {"healthz": [("trivial", "", "/healthz")],
                 "names": [(k, q, "/api/v1/names?q=" + quote(q)) for k, q in names],
                 "names-first": [(k, q, "/api/v1/names?q=" + quote(q))
                                 for k, q in first_names_queries]}
    for scenario, queries in (article_queries(rng, count) | first_articles_queries).items():
        scenarios[scenario] = [(k, q, "/api/v1/articles?q=" + quote(q)) for k, q in queries]
    return scenarios


# --- the server -----------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class Server:
    """The real gunicorn, as deployed, on its own loopback port."""

    def __init__(self, database_url: str, workers: int, threads: int | None, app_dir: Path,
                 log_path: Path, rate_limit: str | None, extra_env: dict[str, str]):
        self.port = free_port()
        env = {**os.environ, "DATABASE_URL": database_url, "PORT": str(self.port),
               "WEB_CONCURRENCY": str(workers), **extra_env}
        if rate_limit:
            # All load comes from one loopback address: the per-client public limit would turn
            # it into 429s. The limiter still runs (and costs what it costs); it just never trips.
            env["PUBLIC_RATE_LIMIT"] = env["SEARCH_RATE_LIMIT"] = rate_limit
        if threads:
            env["GUNICORN_THREADS"] = str(threads)
        self.log_path = log_path
        with log_path.open("w") as log_file:
            self.process = subprocess.Popen(
                [BIN / "gunicorn", "-c", "deploy/gunicorn.conf.py", "service:create_app()"],
                cwd=app_dir, env=env, stdout=log_file, stderr=subprocess.STDOUT,
                start_new_session=True)
        self._wait_ready()

    def _wait_ready(self, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited early; see {self.log_path}")
            try:
                status, _, _ = get(self.port, "/readyz")
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        self.stop()
        raise SystemExit(f"gunicorn not ready in {seconds}s; see {self.log_path}")

    def pids(self) -> list[int]:
        """The master and its workers."""
        pids = [self.process.pid]
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                if int(fields[1]) == self.process.pid:
                    pids.append(int(entry.name))
        return pids

    def cpu_seconds(self) -> float:
        return sum(self.cpu_by_process().values())

    def cpu_by_process(self) -> dict[int, float]:
        """CPU seconds (utime + stime) of the master and of each worker."""
        seconds = {}
        for pid in self.pids():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            seconds[pid] = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
        return seconds

    def worker_memory(self) -> list[dict]:
        """Each worker's memory in MB: RSS (every page it maps, shared ones included), its
        anonymous part (RSS without files mapped, such as SQLite's memory-mapped database), PSS
        (shared pages divided among the processes sharing them) and USS (its private pages)."""
        memory = []
        for pid in self.pids():
            if pid == self.process.pid:
                continue
            try:
                status = Path(f"/proc/{pid}/status").read_text()
                rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
            except OSError:
                continue
            kb = {line.split(":")[0]: int(line.split()[1]) for line in
                  (status + rollup).splitlines() if line.split()[-1:] == ["kB"]}
            memory.append({"pid": pid, "rss_mb": round(kb["VmRSS"] / 1024, 1),
                           "anon_mb": round(kb["RssAnon"] / 1024, 1),
                           "pss_mb": round(kb["Pss"] / 1024, 1),
                           "uss_mb": round((kb["Private_Clean"] + kb["Private_Dirty"]) / 1024, 1)})
        return memory

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                return self.process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.process.kill()
        return self.process.wait()


def get(port: int, path: str, timeout: float = 60) -> tuple[int, bytes, float]:
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        started = time.perf_counter()
        connection.request("GET", path)
        response = connection.getresponse()
        body = response.read()
        return response.status, body, time.perf_counter() - started
    finally:
        connection.close()


def check_queries(port: int, scenario: str, queries: list[tuple[str, str, str]]) -> dict:
    """Each query once, one at a time: warms the caches, checks statuses, counts hits."""
    statuses, seconds, detail = {}, [], []
    for kind, query, path in queries:
        status, body, elapsed = get(port, path)
        statuses[status] = statuses.get(status, 0) + 1
        seconds.append(elapsed)
        item = {"kind": kind, "q": query, "status": status, "ms": round(elapsed * 1000, 2)}
        if status == 200 and scenario.startswith("articles"):
            item["total"] = json.loads(body)["total"]
        elif status == 200 and scenario.startswith("names"):
            matches = json.loads(body)["matches"]
            item["matches"] = {m: sum(x["match"] == m for x in matches)
                               for m in ("exact", "variant", "pinyin")}
        detail.append(item)
    seconds.sort()
    summary = {"statuses": statuses, "single_client_ms": {
        "p50": round(percentile(seconds, 50) * 1000, 2),
        "p95": round(percentile(seconds, 95) * 1000, 2),
        "max": round(seconds[-1] * 1000, 2)}}
    by_kind = {}
    for kind in dict.fromkeys(d["kind"] for d in detail):
        times = sorted(d["ms"] for d in detail if d["kind"] == kind)
        by_kind[kind] = {"n": len(times), "p50": percentile(times, 50),
                         "p95": percentile(times, 95), "max": times[-1]}
    summary["by_kind_ms"] = by_kind
    totals = sorted(d["total"] for d in detail if "total" in d)
    if totals:
        summary["hits"] = {"p50": percentile(totals, 50), "p95": percentile(totals, 95),
                           "max": totals[-1], "zero": sum(t == 0 for t in totals)}
    return {"summary": summary, "queries": detail}


def git(*args: str, cwd: Path) -> str:
    try:
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True,
                              timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def percentile(sorted_values: list, p: float):
    if not sorted_values:
        return None
    index = min(len(sorted_values) - 1, max(0, round(p / 100 * len(sorted_values) + 0.5) - 1))
    return sorted_values[index]


# --- clients --------------------------------------------------------------------------------------

def machine_ticks() -> tuple[int, int, int]:
    """(busy, steal, total) clock ticks of the whole machine so far."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    idle = fields[3] + fields[4]
    total = sum(fields[:8])
    return total - idle - fields[7], fields[7], total


def run_wrk(port: int, paths_file: Path, connections: int, duration: int, offset: int) -> dict:
    command = ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--timeout", "30s",
               "-s", str(Path(__file__).with_name("paths.lua")), f"http://{HOST}:{port}",
               "--", str(paths_file), str(offset)]
    finished = subprocess.run(command, capture_output=True, text=True, timeout=duration + 60,
                              check=True)
    line = next(x for x in finished.stdout.splitlines() if x.startswith("BENCH-JSON "))
    raw = json.loads(line.removeprefix("BENCH-JSON "))
    seconds = raw["duration_us"] / 1e6
    return {
        "requests": raw["requests"], "seconds": round(seconds, 2),
        "rps": round(raw["requests"] / seconds, 1),
        "p50_ms": raw["p50_us"] / 1000, "p95_ms": raw["p95_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000, "max_ms": raw["max_us"] / 1000,
        "errors": raw["connect_errors"] + raw["read_errors"] + raw["write_errors"]
        + raw["status_errors"] + raw["timeouts"],
    }


def _python_client(port: int, paths: list[str], offset: int, stride: int, deadline: float,
                   queue) -> None:
    latencies, errors = [], 0
    connection = http.client.HTTPConnection(HOST, port, timeout=60)
    index = offset
    while time.perf_counter() < deadline:
        path = paths[index % len(paths)]
        index += stride  # the connections share the paths in turn, as wrk's one thread does
        started = time.perf_counter()
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                errors += 1
            if response.will_close:
                connection.close()
        except (OSError, http.client.HTTPException):
            errors += 1
            connection.close()
            connection = http.client.HTTPConnection(HOST, port, timeout=60)
            continue
        latencies.append(time.perf_counter() - started)
    connection.close()
    queue.put((latencies, errors))


def run_python(port: int, paths_file: Path, connections: int, duration: int, offset: int) -> dict:
    paths = paths_file.read_text().split()
    queue = multiprocessing.Queue()
    started = time.perf_counter()
    deadline = started + duration
    workers = [multiprocessing.Process(target=_python_client, daemon=True,
                                       args=(port, paths, offset + i, connections, deadline,
                                             queue))
               for i in range(connections)]
    for worker in workers:
        worker.start()
    latencies, errors = [], 0
    for _ in workers:
        got, failed = queue.get(timeout=duration + 120)
        latencies += got
        errors += failed
    for worker in workers:
        worker.join(timeout=10)
    seconds = time.perf_counter() - started
    latencies.sort()
    return {
        "requests": len(latencies), "seconds": round(seconds, 2),
        "rps": round(len(latencies) / seconds, 1),
        **{f"p{p}_ms": round(percentile(latencies, p) * 1000, 2) for p in (50, 95, 99)},
        "max_ms": round(latencies[-1] * 1000, 2), "errors": errors,
    }


def measure(server: Server, client, paths_file: Path, connections: int, duration: int,
            offset: int) -> dict:
    before_by_process = server.cpu_by_process()
    before_server, before_client = sum(before_by_process.values()), resource.getrusage(
        resource.RUSAGE_CHILDREN)
    busy0, steal0, total0 = machine_ticks()
    started = time.perf_counter()
    result = client(server.port, paths_file, connections, duration, offset)
    elapsed = time.perf_counter() - started
    after_client = resource.getrusage(resource.RUSAGE_CHILDREN)
    busy1, steal1, total1 = machine_ticks()
    client_cpu = (after_client.ru_utime + after_client.ru_stime
                  - before_client.ru_utime - before_client.ru_stime)
    after_by_process = server.cpu_by_process()
    server_cpu = sum(after_by_process.values()) - before_server
    # Each worker's share of what the workers used: are both busy? (issue 16)
    used = {pid: after_by_process[pid] - before_by_process.get(pid, 0.0)
            for pid in after_by_process if pid != server.process.pid}
    result["worker_shares"] = sorted((round(u / max(1e-9, sum(used.values())), 2)
                                      for u in used.values()), reverse=True)
    result["load_average"] = os.getloadavg()[0]
    result["server_cpu_cores"] = round(server_cpu / elapsed, 2)
    result["client_cpu_cores"] = round(client_cpu / elapsed, 2)
    # Everything else the shared machine ran meanwhile (other people's tests, databases).
    result["other_cpu_cores"] = round(
        max(0.0, (busy1 - busy0) / CLOCK_TICKS - server_cpu - client_cpu) / elapsed, 2)
    result["steal_pct"] = round(100 * (steal1 - steal0) / max(1, total1 - total0), 1)
    # Requests still running when the client stopped must not slow the next scenario down.
    time.sleep(min(30.0, result["max_ms"] / 1000 + 0.5))
    return result


def _stop(signum, _frame):
    raise SystemExit(f"stopped by signal {signum}")


# --- main -----------------------------------------------------------------------------------------

def median_run(runs: list[dict]) -> dict:
    keys = ("rps", "p50_ms", "p95_ms", "p99_ms", "max_ms", "server_cpu_cores", "client_cpu_cores",
            "other_cpu_cores", "steal_pct")
    return {key: round(statistics.median(r[key] for r in runs), 2) for key in keys} | {
        "errors": sum(r["errors"] for r in runs), "requests": sum(r["requests"] for r in runs),
        "repeated": sum(r.get("repeated", 0) for r in runs),
        # The busier worker's share of the workers' CPU in each run (50% = evenly spread).
        "busier_worker": [r["worker_shares"][0] for r in runs if r.get("worker_shares")],
        "load_average": round(statistics.median(r.get("load_average", 0) for r in runs), 1)}


def table(label: str, medians: dict) -> str:
    ceiling = medians.get("healthz", {}).get("rps")
    lines = [f"{label}: medians of the runs",
             "| scenario | req/s | % of ceiling | p50 ms | p95 ms | p99 ms | max ms | requests "
             "| repeated | errors | server CPU | client CPU | others' CPU | busier worker "
             "| load avg |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for scenario, m in medians.items():
        share = f"{100 * m['rps'] / ceiling:.1f}%" if ceiling else "-"
        lines.append(f"| {scenario} | {m['rps']:.1f} | {share} | {m['p50_ms']:.1f} | "
                     f"{m['p95_ms']:.1f} | {m['p99_ms']:.1f} | {m['max_ms']:.1f} | "
                     f"{m['requests']} | {m['repeated']} | {m['errors']} | "
                     f"{m['server_cpu_cores']:.2f} | {m['client_cpu_cores']:.2f} | "
                     f"{m['other_cpu_cores']:.2f} | "
                     f"{' '.join(f'{100 * x:.0f}%' for x in m['busier_worker'])} | "
                     f"{m['load_average']:.1f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--label", help="name of the results (default: the database kind)")
    parser.add_argument("--duration", type=int, default=20, help="seconds per scenario run")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--connections", default="8,1",
                        help="comma-separated numbers of concurrent keep-alive connections: "
                             "8 = workers × threads (saturation), 1 = service time")
    parser.add_argument("--workers", type=int, default=2, help="WEB_CONCURRENCY")
    parser.add_argument("--threads", type=int, help="GUNICORN_THREADS (default: the config's)")
    parser.add_argument("--queries", type=int, default=400,
                        help="distinct queries per repeated scenario (names, articles-2, …)")
    parser.add_argument("--first-names", type=int, default=20_000,
                        help="distinct queries of names-first: no run asks one twice while they "
                             "last (the column `repeated` counts requests past them)")
    parser.add_argument("--first-articles", type=int, default=2_000,
                        help="distinct queries of each articles-first scenario")
    parser.add_argument("--first-check", type=int, default=300,
                        help="queries of each first scenario kept out of the runs and asked one "
                             "at a time (single-client times by kind of query, hit counts)")
    parser.add_argument("--seed", type=int, default=20240126)
    parser.add_argument("--scenarios", default=",".join(SCENARIOS))
    parser.add_argument("--client", choices=("wrk", "python"),
                        default="wrk" if shutil.which("wrk") else "python")
    parser.add_argument("--app-dir", type=Path, default=ROOT,
                        help="tree to run gunicorn from (for trying a service change elsewhere)")
    parser.add_argument("--skip-check", action="store_true", help="no one-at-a-time pass")
    parser.add_argument("--rate-limit", default="100000000/minute",
                        help="PUBLIC_ and SEARCH_RATE_LIMIT ('' keeps the configured ones)")
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                        help="more server settings, e.g. NAME_CHECK_CACHE_MB=0 to measure "
                             "every request as a cache miss")
    args = parser.parse_args(argv)
    extra_env = dict(setting.split("=", 1) for setting in args.env)
    if not args.database_url:
        parser.error("set DATABASE_URL or --database-url")
    label = args.label or ("sqlite" if args.database_url.startswith("sqlite") else "postgresql")
    scenarios = [s for s in args.scenarios.split(",") if s]
    OUT.mkdir(parents=True, exist_ok=True)

    log(f"building queries from {label}")
    paths = build_paths(args.database_url, args.seed, args.queries, args.first_names,
                        args.first_articles)
    connection_counts = [int(c) for c in args.connections.split(",") if c]
    measurements = args.runs * len(connection_counts)
    files, checked_paths, slices = {}, {}, {}
    for scenario in scenarios:
        run_paths = paths[scenario]
        checked_paths[scenario] = run_paths
        if scenario in FIRST_SCENARIOS:
            # The checked queries are kept out of the runs, and each run gets its own slice of
            # the rest, so that no query is asked twice (unless a run outruns its slice).
            checked_paths[scenario] = run_paths[-args.first_check:]
            run_paths = run_paths[:-args.first_check]
            slices[scenario] = len(run_paths) // measurements
        files[scenario] = OUT / f"paths-{label}-{scenario}.txt"
        files[scenario].write_text("\n".join(p for _, _, p in run_paths) + "\n")
        log(f"{scenario}: {len(paths[scenario])} distinct queries")
    client = run_wrk if args.client == "wrk" else run_python
    log_path = OUT / f"gunicorn-{label}.log"
    server = Server(args.database_url, args.workers, args.threads, args.app_dir, log_path,
                    args.rate_limit, extra_env)
    for stop_signal in (signal.SIGTERM, signal.SIGINT):
        signal.signal(stop_signal, _stop)
    result = {"label": label, "database_url": args.database_url, "client": args.client,
              "commit": git("rev-parse", "--short", "HEAD", cwd=args.app_dir),
              "uncommitted_service_changes": git("status", "--porcelain", "service", "schemas",
                                                 "deploy", cwd=args.app_dir).splitlines(),
              "connections": connection_counts, "duration": args.duration, "workers": args.workers,
              "threads": args.threads or int(os.environ.get("GUNICORN_THREADS", "4")),
              "app_dir": str(args.app_dir), "env": extra_env, "checks": {},
              "distinct_queries": {s: len(paths[s]) for s in scenarios}, "slices": slices,
              "runs": {f"{s}@{c}": [] for c in connection_counts for s in scenarios}}
    try:
        log(f"gunicorn on {HOST}:{server.port}, pids {server.pids()}")
        if not args.skip_check:
            for scenario in scenarios:
                checked = check_queries(server.port, scenario, checked_paths[scenario])
                result["checks"][scenario] = checked
                log(f"checked {scenario}: {json.dumps(checked['summary'])}")
        for count_index, connections in enumerate(connection_counts):
            for run in range(args.runs):
                for scenario in scenarios:
                    offset = run * 131
                    if scenario in slices:
                        offset = (count_index * args.runs + run) * slices[scenario]
                    measured = measure(server, client, files[scenario], connections,
                                       args.duration, offset=offset)
                    if scenario in slices:
                        measured["repeated"] = max(0, measured["requests"] - slices[scenario])
                    result["runs"][f"{scenario}@{connections}"].append(measured)
                    log(f"run {run + 1}/{args.runs} {scenario} × {connections}: "
                        f"{json.dumps(measured)}")
        # After every run, with the caches as full as the runs made them (issue 16: ≤ 120 MB).
        result["worker_memory"] = server.worker_memory()
    finally:
        exit_code = server.stop()
    result["gunicorn_exit"] = exit_code
    result["gunicorn_errors"] = [line for line in log_path.read_text().splitlines()
                                 if "Traceback" in line or " ERROR " in line
                                 or '"status": 5' in line][:20]
    log_path.unlink()
    for file in files.values():
        file.unlink()
    result["medians"] = {s: median_run(r) for s, r in result["runs"].items() if r}
    path = OUT / f"load-{label}.json"
    path.write_text(json.dumps(result, ensure_ascii=False, indent=1))
    for connections in connection_counts:
        medians = {s: result["medians"][f"{s}@{connections}"] for s in scenarios
                   if f"{s}@{connections}" in result["medians"]}
        print(table(f"{label} ({args.client}, {connections} connections, {args.duration} s × "
                    f"{args.runs} runs)", medians))
    if result.get("worker_memory"):
        print("worker memory after the runs (MB): " + ", ".join(
            f"pid {m['pid']}: RSS {m['rss_mb']} (anonymous {m['anon_mb']}), PSS {m['pss_mb']}, "
            f"USS {m['uss_mb']}"
            for m in result["worker_memory"]))
    log(f"results in {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
