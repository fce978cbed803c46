"""Mixed load for 60 s: the public checking names and searching while staff create, import and
publish — against the real gunicorn, on SQLite or PostgreSQL. Afterwards: no 5xx, no "database is
locked", and every acknowledged write is in the database.

    .venv/bin/python -m bench.mixed_load --database-url sqlite:///bench/out/mixed.db
    .venv/bin/python -m bench.mixed_load --database-url postgresql://postgres@127.0.0.1:5432/bench_mixed

A thread-based client (the equivalent of a locust scenario, with no extra dependency)."""

import argparse
import collections
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.scheduler_burst import fresh_database  # noqa: E402
from seeds.loader import PUBLISHER  # noqa: E402
from service.domain.models import Notice, RosterEntry  # noqa: E402
from service.domain.organizations import ensure_organization  # noqa: E402
from service.infra.auth import issue_token  # noqa: E402
from service.infra.db import database, open_database  # noqa: E402
from service.migrations import migrate  # noqa: E402
from tests.processes import free_port, wait_until_ready  # noqa: E402

NAME_QUERIES = ("张心怡", "張心怡", "zhang xinyi", "刘东", "卢梦琪", "王小明", "chen")
ARTICLE_QUERIES = ("芯片", "超高清视频", "江西", "AVS3")
PUBLIC_QUERIES = ([("/api/v1/names", {"q": q}) for q in NAME_QUERIES]
                  + [("/api/v1/articles", {"q": q}) for q in ARTICLE_QUERIES]
                  + [("/api/v1/search", {"q": "公示"})])
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超霞平刚"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--readers", type=int, default=6)
    parser.add_argument("--writers", type=int, default=2)
    args = parser.parse_args()

    fresh_database(args.database_url)
    database.initialize(open_database(args.database_url))
    with database.connection_context():
        migrate()
        # The writers' notices are the seed publisher's, as `make token` makes them.
        organization = ensure_organization(PUBLISHER, "load")
        _, token = issue_token("publisher", "load", None, (organization.id,))
    env = {**os.environ, "DATABASE_URL": args.database_url, "PORT": str(free_port()),
           "WEB_CONCURRENCY": "2", "PUBLIC_RATE_LIMIT": "1000000/minute", "LOG_LEVEL": "WARNING",
           "SEARCH_RATE_LIMIT": "1000000/minute"}
    subprocess.run([Path(sys.executable).parent / "flask", "--app", "service", "seed"],
                   cwd=ROOT, env=env, check=True, capture_output=True)
    log_path = ROOT / "bench" / "out" / "mixed-gunicorn.log"
    log_path.parent.mkdir(exist_ok=True)
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [Path(sys.executable).parent / "gunicorn", "-c", "deploy/gunicorn.conf.py",
             "service:create_app()"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{env['PORT']}"
    wait_until_ready(f"{base}/readyz", server)

    statuses = collections.Counter()
    acknowledged: dict[int, dict] = {}  # notice id -> {"names": n, "published": bool}
    lock, stop = threading.Lock(), threading.Event()

    def count(response) -> None:
        with lock:
            statuses[response.status_code] += 1

    def reader(seed: int) -> None:
        rng, session = random.Random(seed), requests.Session()
        while not stop.is_set():
            path, params = rng.choice(PUBLIC_QUERIES)
            count(session.get(base + path, params=params, timeout=30))

    def writer(seed: int) -> None:
        rng, session = random.Random(seed), requests.Session()
        session.headers["Authorization"] = f"Bearer {token}"
        n = 0
        while not stop.is_set():
            n += 1
            names = {rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)
                     for _ in range(220)}
            names = sorted(names)
            created = session.post(f"{base}/api/v1/notices", timeout=30, json={
                "title": f"负载公示{seed}-{n}", "category": "load", "issuer": "负载测试",
                "window": {"start": "2026-12-01", "end": "2026-12-10"},
                "contacts": [{"number": "010-83138953"}],
                "roster": [{"name": name} for name in names[:20]]})
            count(created)
            if created.status_code != 201:
                continue
            notice_id = created.json()["id"]
            with lock:
                acknowledged[notice_id] = {"names": 20, "published": False}
            csv = "name\n" + "\n".join(names[20:]) + "\n"
            imported = session.post(f"{base}/api/v1/notices/{notice_id}/roster:import",
                                    timeout=60, files={"file": ("r.csv", csv.encode(), "text/csv")})
            count(imported)
            if imported.status_code == 201:
                with lock:
                    acknowledged[notice_id]["names"] = imported.json()["roster_size"]
            published = session.post(f"{base}/api/v1/notices/{notice_id}/publish", timeout=30)
            count(published)
            if published.status_code == 200:
                with lock:
                    acknowledged[notice_id]["published"] = True

    threads = [threading.Thread(target=reader, args=(i,)) for i in range(args.readers)]
    threads += [threading.Thread(target=writer, args=(100 + i,)) for i in range(args.writers)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    time.sleep(args.seconds)
    stop.set()
    for thread in threads:
        thread.join(timeout=120)
    elapsed = time.monotonic() - started
    server.send_signal(signal.SIGTERM)
    server.wait(timeout=60)

    with database.connection_context():
        missing = []
        for notice_id, expected in acknowledged.items():
            notice = Notice.get_or_none(Notice.id == notice_id)
            names = RosterEntry.select().where(RosterEntry.notice == notice_id).count()
            if (notice is None or names != expected["names"]
                    or (notice.published_at is not None) != expected["published"]):
                missing.append(notice_id)
    log_text = log_path.read_text(encoding="utf-8")
    summary = {
        "database": args.database_url.split(":", 1)[0],
        "seconds": round(elapsed, 1),
        "requests": sum(statuses.values()),
        "requests_per_second": round(sum(statuses.values()) / elapsed, 1),
        "statuses": dict(sorted(statuses.items())),
        "server_errors": sum(n for code, n in statuses.items() if code >= 500),
        "database_locked_in_log": log_text.count("database is locked"),
        "notices_acknowledged": len(acknowledged),
        "names_acknowledged": sum(a["names"] for a in acknowledged.values()),
        "acknowledged_writes_missing": missing,
    }
    print(json.dumps(summary, ensure_ascii=False, indent=2))
    ok = (not summary["server_errors"] and not summary["database_locked_in_log"]
          and not missing)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
