"""Operations with real processes: request ids, logs free of personal data, 503 while the
database is unreachable and recovery after, graceful SIGTERM."""

import json
import signal
import threading
import time

import requests


def test_request_id_is_echoed_or_generated(client):
    assert client.get("/healthz", headers={"X-Request-ID": "abc-123"}).headers[
        "X-Request-ID"] == "abc-123"
    generated = client.get("/healthz", headers={"X-Request-ID": "not valid!"}).headers[
        "X-Request-ID"]
    assert generated != "not valid!" and len(generated) == 32


def test_database_unreachable_gives_503_then_recovers(gunicorn, own_postgres):
    database_url, allow = own_postgres
    base, _, _ = gunicorn(database_url)
    assert requests.get(f"{base}/readyz", timeout=5).status_code == 200

    allow(False)
    for path in ("/readyz", "/api/v1/notices", "/api/v1/names?q=张心怡"):
        response = requests.get(base + path, timeout=10)
        assert response.status_code == 503, path
        assert response.headers["Content-Type"] == "application/problem+json"
        assert response.json()["status"] == 503
    assert requests.get(f"{base}/healthz", timeout=5).status_code == 200  # still alive

    allow(True)
    assert requests.get(f"{base}/readyz", timeout=5).status_code == 200
    assert requests.get(f"{base}/api/v1/notices", timeout=5).status_code == 200


def test_sigterm_lets_an_in_flight_import_finish(gunicorn, database_url, app, tokens):
    base, process, _ = gunicorn(database_url)
    auth = {"Authorization": f"Bearer {tokens['editor']}"}
    notice = requests.post(f"{base}/api/v1/notices", headers=auth, timeout=10, json={
        "title": "大名单", "category": "test", "issuer": "测试"}).json()
    rows = "\n".join(f"测试{i:05d}" for i in range(20_000))
    answer = {}

    def upload():
        answer["response"] = requests.post(
            f"{base}/api/v1/notices/{notice['id']}/roster:import", headers=auth, timeout=60,
            files={"file": ("names.csv", f"name\n{rows}\n".encode(), "text/csv")})

    uploading = threading.Thread(target=upload)
    uploading.start()
    time.sleep(0.3)
    process.send_signal(signal.SIGTERM)
    uploading.join(timeout=60)
    assert process.wait(timeout=30) == 0
    assert answer["response"].status_code == 201
    assert answer["response"].json() == {"imported": 20_000, "roster_size": 20_000}


def test_logs_are_json_and_free_of_personal_data(gunicorn, database_url, app, tokens):
    base, process, log_path = gunicorn(database_url, LOG_LEVEL="INFO")
    auth = {"Authorization": f"Bearer {tokens['editor']}"}
    notice = requests.post(f"{base}/api/v1/notices", headers=auth, timeout=10, json={
        "title": "日志测试", "category": "test", "issuer": "测试",
        "roster": [{"name": "诸玲珍", "credential_no": "11000099887766"}]}).json()
    requests.post(f"{base}/api/v1/notices/{notice['id']}/roster", headers=auth, timeout=10,
                  json={"name": "诸玲珍"})  # a duplicate: 422
    requests.get(f"{base}/api/v1/names", params={"q": "许子皓"}, timeout=10)
    for path in ("/check/许子皓", "/api/v1/names/许子皓", "/static/许子皓.css",
                 "/api/v1/notices/999999"):  # typed into the path: found by no route, or nothing
        assert requests.get(f"{base}{path}", timeout=10).status_code == 404
    requests.get(f"{base}/api/v1/notices", timeout=10,
                 headers={"Authorization": "Bearer wrong-token-value", "X-Request-ID": "r-42"})
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=30)
    output = log_path.read_text(encoding="utf-8")
    for secret in ("诸玲珍", "11000099887766", "许子皓", "%E8%AE%B8", tokens["editor"],
                   "wrong-token-value"):
        assert secret not in output
    access = [json.loads(line) for line in output.splitlines() if line.startswith('{"remote"')]
    assert {"path": "/api/v1/notices", "request_id": "r-42", "status": 401}.items() <= \
        next(entry for entry in access if entry["request_id"] == "r-42").items()
    not_found = [entry["path"] for entry in access if entry["status"] == 404]
    assert not_found == ["-", "-", "/static/<path:filename>", "/api/v1/notices/<id:notice_id>"]
    assert {entry["path"] for entry in access} >= {f"/api/v1/notices/{notice['id']}/roster"}


def test_metrics_add_up_every_workers_requests(gunicorn, database_url, app):
    base, _, _ = gunicorn(database_url, WEB_CONCURRENCY="3")
    for _ in range(12):
        # New connections, so the requests spread over the workers.
        assert requests.get(f"{base}/api/v1/notices", timeout=5,
                            headers={"Connection": "close"}).status_code == 200
    text = requests.get(f"{base}/metrics", timeout=5).text
    line = next(line for line in text.splitlines() if line.startswith(
        'registry_http_requests_total{method="GET",route="/api/v1/notices",status="200"}'))
    assert float(line.split()[-1]) == 12
    assert "registry_http_request_seconds_bucket" in text
