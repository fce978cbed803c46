"""Benchmark: N notices closing at the same instant — how long until every closing is recorded?

    .venv/bin/python bench/scheduler_burst.py --database-url sqlite:///bench/out/burst.db
    .venv/bin/python bench/scheduler_burst.py --database-url postgresql://postgres@127.0.0.1:5432/bench_burst

Runs the real scheduler process (`flask --app service scheduler`) against a fresh database."""

import argparse
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from service.domain.models import AuditEvent, Notice  # noqa: E402
from service.infra.db import database, open_database  # noqa: E402
from service.migrations import migrate  # noqa: E402


def fresh_database(url: str) -> None:
    if url.startswith("sqlite"):
        path = Path(url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm", ".scheduler-lock"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    else:
        import psycopg2

        admin_url, name = url.rsplit("/", 1)
        admin = psycopg2.connect(f"{admin_url}/postgres")
        admin.autocommit = True
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            cursor.execute(f'CREATE DATABASE "{name}"')
        admin.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--lead-seconds", type=float, default=10.0,
                        help="how far ahead of now the common closing instant is")
    args = parser.parse_args()

    fresh_database(args.database_url)
    database.initialize(open_database(args.database_url))
    now = datetime.now(UTC)
    closes_at = now + timedelta(seconds=args.lead_seconds)
    with database.connection_context():
        migrate()
        rows = [dict(title=f"同时截止的公示 {i}", category="bench", issuer="基准测试",
                     timezone="Asia/Shanghai", opens_at=now - timedelta(days=1),
                     closes_at=closes_at, published_at=now - timedelta(days=1),
                     opened_recorded_at=now) for i in range(args.count)]
        with database.atomic():
            for start in range(0, len(rows), 1000):
                Notice.insert_many(rows[start:start + 1000]).execute()

    env = {**os.environ, "DATABASE_URL": args.database_url, "LOG_LEVEL": "WARNING"}
    scheduler = subprocess.Popen([Path(sys.executable).parent / "flask", "--app", "service",
                                  "scheduler"], cwd=ROOT, env=env)
    try:
        closed = 0
        while closed < args.count:
            time.sleep(0.25)
            with database.connection_context():
                closed = AuditEvent.select().where(AuditEvent.action == "notice.closed").count()
            if datetime.now(UTC) > closes_at + timedelta(seconds=120):
                break
        with database.connection_context():
            last = (AuditEvent.select().where(AuditEvent.action == "notice.closed")
                    .order_by(AuditEvent.at.desc()).first().at)
            distinct = (AuditEvent.select(AuditEvent.entity_id).distinct()
                        .where(AuditEvent.action == "notice.closed").count())
    finally:
        scheduler.send_signal(signal.SIGTERM)
        scheduler.wait(timeout=30)
    print(f"{args.count} closings due at once: {closed} recorded ({distinct} distinct notices), "
          f"the last {(last - closes_at).total_seconds():.2f} s after the due instant")


if __name__ == "__main__":
    main()
