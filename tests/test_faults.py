"""Faults with real processes: a worker killed mid-import, PostgreSQL cut off mid-load."""

import subprocess
import threading
import time

import requests

from service.domain.models import Notice, RosterEntry
from service.infra.db import database


def worker_pids(master: subprocess.Popen) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(master.pid)], capture_output=True,
                         text=True).stdout
    return [int(pid) for pid in out.split()]


def test_worker_killed_during_import_leaves_all_or_nothing(gunicorn, database_url, app, tokens):
    base, master, _ = gunicorn(database_url, WEB_CONCURRENCY="1")
    auth = {"Authorization": f"Bearer {tokens['editor']}"}
    notice_id = requests.post(f"{base}/api/v1/notices", headers=auth, timeout=10, json={
        "title": "中断测试", "category": "test", "issuer": "测试"}).json()["id"]
    rows = "\n".join(f"导入{i:06d}" for i in range(60_000))
    outcome = {}

    def upload():
        try:
            outcome["status"] = requests.post(
                f"{base}/api/v1/notices/{notice_id}/roster:import", headers=auth, timeout=60,
                files={"file": ("names.csv", f"name\n{rows}\n".encode(), "text/csv")}
            ).status_code
        except requests.ConnectionError:
            outcome["status"] = "connection lost"

    uploading = threading.Thread(target=upload)
    uploading.start()
    time.sleep(1.0)
    [worker] = worker_pids(master)
    subprocess.run(["kill", "-KILL", str(worker)], check=True)
    uploading.join(timeout=60)
    with database.connection_context():
        stored = RosterEntry.select().where(RosterEntry.notice == notice_id).count()
    assert outcome["status"] in ("connection lost", 500, 502)  # the request died with its worker
    assert stored == 0  # nothing half-written
    # gunicorn replaces the worker and the import then succeeds whole.
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{base}/healthz", timeout=1).status_code == 200:
                break
        except requests.RequestException:
            time.sleep(0.2)
    retried = requests.post(f"{base}/api/v1/notices/{notice_id}/roster:import", headers=auth,
                            timeout=60,
                            files={"file": ("names.csv", f"name\n{rows}\n".encode(), "text/csv")})
    assert retried.json() == {"imported": 60_000, "roster_size": 60_000}


def test_no_acknowledged_write_is_lost_when_postgres_drops_out(gunicorn, own_postgres):
    database_url, allow = own_postgres
    base, _, _ = gunicorn(database_url)
    from service import create_app
    from service.domain.organizations import ensure_organization
    from service.infra.auth import issue_token

    create_app({"DATABASE_URL": database_url})
    with database.connection_context():
        organization = ensure_organization("中国电子报", "load")
        _, token = issue_token("editor", "load", None, (organization.id,))
    auth = {"Authorization": f"Bearer {token}"}
    acknowledged, statuses, stop = [], [], threading.Event()

    def write_forever():
        n = 0
        while not stop.is_set():
            n += 1
            try:
                response = requests.post(f"{base}/api/v1/notices", headers=auth, timeout=10,
                                         json={"title": f"写入{n}", "category": "load",
                                               "issuer": "测试"})
            except requests.RequestException:
                statuses.append("error")
                continue
            statuses.append(response.status_code)
            if response.status_code == 201:
                acknowledged.append(response.json()["id"])

    writers = [threading.Thread(target=write_forever) for _ in range(3)]
    for writer in writers:
        writer.start()
    time.sleep(1.5)
    allow(False)
    time.sleep(2)
    allow(True)
    time.sleep(2)
    stop.set()
    for writer in writers:
        writer.join(timeout=30)

    assert 503 in statuses and 201 in statuses
    assert set(statuses) <= {201, 503}  # refused cleanly, never a 500
    with database.connection_context():
        stored = {n.id for n in Notice.select(Notice.id)}
    assert set(acknowledged) <= stored
    assert statuses[-1] == 201  # full service again
