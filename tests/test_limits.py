"""The public rate limits: what one client gets across every gunicorn worker (default storage and
Redis), the lower limit on searches, and requests still served when the limit storage fails."""

import multiprocessing
import sqlite3
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import requests
from prometheus_client import REGISTRY

from service import create_app
from service.infra import limits
from service.infra.limits import PUBLIC, SEARCH, SQLiteStorage
from tests.builders import post_notice
from tests.conftest import serve
from tests.processes import free_port

FAILURES = "registry_rate_limit_storage_failures_total"


def storage_failures() -> float:
    return REGISTRY.get_sample_value(FAILURES) or 0


def fire(url: str, count: int, **params) -> list[requests.Response]:
    """`count` GETs from one client, 8 at a time, each on a new connection (so that gunicorn
    hands them to all its workers)."""
    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(lambda _: requests.get(url, params=params, timeout=10),
                             range(count)))


# --- the SQLite storage (the default) ----------------------------------------------------------

def _increment(path: str, times: int) -> None:
    storage = SQLiteStorage(f"sqlite:///{path}")
    for _ in range(times):
        storage.incr("client", 60)


def test_sqlite_counts_are_shared_and_exact_across_processes(tmp_path):
    path = tmp_path / "ratelimits.db"
    processes = [multiprocessing.get_context("spawn").Process(target=_increment, args=(path, 150))
                 for _ in range(4)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=60)
        assert process.exitcode == 0
    assert SQLiteStorage(f"sqlite:///{path}").get("client") == 600


def test_sqlite_storage_setup_waits_for_a_writer_that_holds_the_file(tmp_path):
    # Workers starting at once race to switch a new count file to WAL; under load the first
    # request's setup waited more than a request's 1 s (CI: "database is locked").
    path = tmp_path / "ratelimits.db"
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN EXCLUSIVE")
    threading.Timer(1.5, holder.rollback).start()
    assert SQLiteStorage(f"sqlite:///{path}").incr("client", 60) == 1


def test_sqlite_count_starts_again_when_its_window_ends(tmp_path):
    storage = SQLiteStorage(f"sqlite:///{tmp_path / 'ratelimits.db'}")
    assert [storage.incr("client", 1) for _ in range(3)] == [1, 2, 3]
    assert storage.get("client") == 3
    assert 0 < storage.get_expiry("client") - time.time() <= 1
    time.sleep(1.05)
    assert storage.get("client") == 0
    assert storage.incr("client", 1) == 1
    assert storage.check()


# --- searches: a lower limit of their own ------------------------------------------------------

def test_searches_share_a_lower_limit_on_top_of_the_public_one(app, database_url, tokens):
    limited = create_app({"DATABASE_URL": database_url, PUBLIC: "100/minute", SEARCH: "4/minute",
                          "RATELIMIT_KEY_PREFIX": uuid.uuid4().hex})
    with serve(limited) as client:
        notice = post_notice(client, tokens, {
            "title": "搜索限流", "category": "test", "issuer": "测试", "roster": [{"name": "刘东"}],
            "window": {"start": "2024-01-26", "end": "2024-02-05", "timezone": "Asia/Shanghai"},
            "contacts": [{"number": "010-83138953", "label": "举报电话"}]}, publish=True)
        searches = ["/api/v1/notices?q=限流", f"/api/v1/notices/{notice['id']}/roster?q=刘",
                    "/api/v1/articles?q=芯片", "/api/v1/search?q=刘东"]
        assert [client.get(path).status_code for path in searches] == [200] * 4
        for path in (*searches, "/articles?q=芯片", f"/notices/{notice['id']}?q=刘"):
            refused = client.get(path)
            assert refused.status_code == 429, path
            assert int(refused.headers["Retry-After"]) > 0
        # The same routes without a search, and the name check, still answer.
        for path in ("/api/v1/notices", f"/api/v1/notices/{notice['id']}/roster",
                     "/api/v1/articles", "/api/v1/names?q=刘东", "/articles",
                     f"/notices/{notice['id']}"):
            assert client.get(path).status_code == 200, path
        assert client.get(searches[0], token=tokens["editor"]).status_code == 200


# --- what one client gets from the real gunicorn (2 workers) -----------------------------------

def assert_one_limit_across_workers(base: str, limit: int = 60):
    responses = fire(f"{base}/api/v1/names", 150, q="刘东")
    statuses = [r.status_code for r in responses]
    assert set(statuses) == {200, 429}
    assert limit * 0.9 <= statuses.count(200) <= limit * 1.1, statuses.count(200)
    refused = next(r for r in responses if r.status_code == 429)
    assert refused.headers["Content-Type"] == "application/problem+json"
    assert refused.json()["status"] == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 60


def test_default_storage_holds_the_limit_across_gunicorn_workers(gunicorn, tmp_path):
    base, _, _ = gunicorn(f"sqlite:///{tmp_path / 'registry.db'}")
    assert_one_limit_across_workers(base)  # the documented 60/minute
    assert (tmp_path / "ratelimits.db").exists()  # beside the database


def test_redis_storage_holds_the_limit_across_gunicorn_workers(gunicorn, tmp_path):
    base, _, _ = gunicorn(f"sqlite:///{tmp_path / 'registry.db'}",
                          RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/3",
                          RATELIMIT_KEY_PREFIX=uuid.uuid4().hex)
    assert_one_limit_across_workers(base)
    assert not (tmp_path / "ratelimits.db").exists()


def test_per_process_memory_would_give_each_worker_its_own_limit(gunicorn, tmp_path):
    # Why the default is not memory://: the same client gets the limit once per worker. (Also
    # shows that `fire` reaches both workers, which the two tests above rely on.)
    base, _, _ = gunicorn(f"sqlite:///{tmp_path / 'registry.db'}",
                          RATELIMIT_STORAGE_URI="memory://")
    served = [r.status_code for r in fire(f"{base}/api/v1/names", 150, q="刘东")].count(200)
    assert served > 66


# --- when the storage fails --------------------------------------------------------------------

def test_public_requests_are_served_while_redis_is_down(gunicorn, tmp_path):
    base, _, _ = gunicorn(f"sqlite:///{tmp_path / 'registry.db'}",
                          RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{free_port()}/0")
    for path in ("/", "/check?name=刘东", "/api/v1/names?q=刘东", "/api/v1/search?q=刘东"):
        assert requests.get(base + path, timeout=10).status_code == 200, path
    ready = requests.get(f"{base}/readyz", timeout=10)
    assert ready.status_code == 200
    assert ready.json()["rate_limit_storage"] == "degraded"
    metrics = requests.get(f"{base}/metrics", timeout=10).text
    [failures] = [line for line in metrics.splitlines() if line.startswith(FAILURES)]
    assert float(failures.split()[-1]) >= 1


def test_a_failed_storage_falls_back_to_memory_then_recovers(app, database_url, tmp_path,
                                                             monkeypatch):
    monkeypatch.setattr(limits, "STORAGE_RETRY_SECONDS", 0.3)
    blocked = tmp_path / "limits"
    blocked.write_text("a file where the storage's folder should be")
    failing = create_app({"DATABASE_URL": database_url, PUBLIC: "3/minute",
                          "RATELIMIT_STORAGE_URI": f"sqlite:///{blocked / 'ratelimits.db'}"})
    before = storage_failures()
    with serve(failing) as client:
        assert [client.get("/api/v1/names?q=刘东").status_code for _ in range(4)] == \
            [200, 200, 200, 429]  # counted in memory meanwhile: the limit still holds
        assert storage_failures() > before
        assert client.get("/readyz").json()["rate_limit_storage"] == "degraded"

        blocked.unlink()
        time.sleep(0.4)
        assert client.get("/readyz").json()["rate_limit_storage"] == "ok"
        assert client.get("/api/v1/names?q=刘东").status_code == 200  # a fresh count, in SQLite
        assert (blocked / "ratelimits.db").exists()
