"""deploy/nginx.conf, run for real in front of the real gunicorn (deploy/gunicorn.conf.py, SQLite in
tmp_path): slow clients do not stall the service, and no log line carries a name someone checked.
Debian's nginx comes from .ci/nginx-deps.sh (`make test` runs it)."""

import socket
import subprocess
import time
from urllib.parse import quote

import pytest

from tests.processes import IN_CI
from tests.servers import Gunicorn, Nginx, SlowClients, nginx_binary, seed, timed_get

NAME = "张心怡"
RATE_LIMIT = 150  # per client and worker (memory://)


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """gunicorn and nginx in front of it, as deployed: nginx is the one proxy hop."""
    if nginx_binary() is None:
        if IN_CI:
            pytest.fail("nginx is missing (.ci/nginx-deps.sh installs it)")
        pytest.skip("nginx not installed (run .ci/nginx-deps.sh)")
    directory = tmp_path_factory.mktemp("proxy")
    database_url = f"sqlite:///{directory / 'registry.db'}"
    seed(database_url)
    gunicorn = Gunicorn(directory, database_url, TRUSTED_PROXY_HOPS="1",
                        PUBLIC_RATE_LIMIT=f"{RATE_LIMIT}/minute", WEB_CONCURRENCY="1")
    nginx = Nginx(directory / "nginx", gunicorn.port)
    try:
        gunicorn.wait_until_ready()
        nginx.wait_until_ready()
        yield gunicorn, nginx
    finally:
        nginx.stop()
        gunicorn.stop()


def test_the_test_copy_of_nginx_conf_is_valid(stack):
    _, nginx = stack
    result = subprocess.run([nginx_binary(), "-t", "-e", str(nginx.directory / "error.log"),
                             "-c", str(nginx.directory / "nginx.conf")],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_nginx_answers_for_gunicorn_and_hides_its_version(stack):
    _, nginx = stack
    import requests

    response = requests.get(f"{nginx.base}/api/v1/names", params={"q": NAME}, timeout=5)
    assert response.status_code == 200
    assert response.json()["matches"][0]["name"] == NAME
    assert response.headers["Server"] == "nginx"  # server_tokens off: no version
    assert response.headers["X-Request-ID"]
    missing = requests.get(f"{nginx.base}/no-such-page", timeout=5)
    assert missing.status_code == 404 and "nginx/" not in missing.text
    # what nginx refuses itself is problem+json too, like the app's errors
    too_long = requests.get(f"{nginx.base}/api/v1/names", params={"q": "张" * 10000}, timeout=5)
    assert too_long.status_code == 414
    assert too_long.headers["Content-Type"] == "application/problem+json"
    assert too_long.json() == {"type": "about:blank", "title": "URI Too Long", "status": 414}


def test_slow_clients_do_not_stall_the_service_behind_nginx(stack):
    """50 clients sending a header line, and 50 a byte of a 100 kB body, every 3 s: alone,
    gunicorn stops answering altogether (docs/benchmarks.md, "Slow clients"); behind nginx
    /healthz and the name check keep answering."""
    gunicorn, nginx = stack
    name_check = f"{nginx.base}/api/v1/names?q={quote(NAME)}"
    with SlowClients(nginx.port, headers=50, bodies=50, interval=3.0) as attack:
        time.sleep(1.0)  # every slow client is connected and has sent its first bytes
        answers = []
        deadline = time.monotonic() + 8
        while time.monotonic() < deadline:
            answers.append(("/healthz", *timed_get(f"{nginx.base}/healthz", timeout=5)))
            answers.append(("name check", *timed_get(name_check, timeout=5)))
            time.sleep(0.2)
        still_held = sum(sock is not None for sock in attack.sockets)
    assert still_held == 100  # the attack kept its connections (coming back when nginx drops one)
    slow = [(what, status, round(seconds, 2)) for what, status, seconds in answers
            if status != 200 or seconds > 2.0]
    assert not slow, slow  # generous: the machine is shared; the benchmark measures p99
    assert len(answers) >= 20
    assert gunicorn.process.poll() is None and nginx.process.poll() is None


def _raw_request(port: int, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(request)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer


def _forms_of_the_name() -> list[str]:
    """Every way the name could appear in a log: as typed, percent-encoded (either case), UTF-8
    read as Latin-1 (how gunicorn decodes a request line) and that escaped by repr()."""
    utf8 = NAME.encode()
    latin1 = utf8.decode("latin-1")
    return [NAME, quote(NAME), quote(NAME).lower(), latin1, repr(latin1)[1:-1],
            repr(utf8)[2:-1], "q="]


def test_no_log_line_carries_a_checked_name(stack):
    """curl sends a name unencoded in the request line, which gunicorn refuses (400) and used to
    log verbatim; through nginx too (nginx passes the raw line on). Nothing of the query may reach
    gunicorn's output or nginx's access and error logs, in any encoding."""
    gunicorn, nginx = stack
    raw_line = f"GET /api/v1/names?q={NAME} HTTP/1.1\r\nHost: registry\r\n".encode()
    requests_sent = [
        raw_line + b"Connection: close\r\n\r\n",
        # the header is invalid (a space before the colon) and quoted by gunicorn's message
        raw_line + f"X-Name : {NAME}\r\nConnection: close\r\n\r\n".encode(),
        f"GET /api/v1/names?q={quote(NAME)} HTTP/1.1\r\nHost: registry\r\n"
        f"Referer: http://elsewhere/?q={quote(NAME)}\r\nConnection: close\r\n\r\n".encode(),
        # nginx refuses a request line with a raw space or control byte in it by itself
        f"GET /api/v1/names?q={NAME}\x01 x HTTP/1.1\r\nHost: registry\r\n\r\n".encode(),
        # a name typed into the path, found by no route
        f"GET /check/{quote(NAME)} HTTP/1.1\r\nHost: registry\r\nConnection: close\r\n\r\n"
        .encode(),
    ]
    for port in (gunicorn.port, nginx.port):
        statuses = [_raw_request(port, request).split(b" ", 2)[1] for request in requests_sent]
        assert (statuses[0], statuses[2], statuses[4]) == (b"400", b"200", b"404"), (port, statuses)
    time.sleep(0.5)  # nginx and gunicorn write their lines as they finish each request

    gunicorn_log, nginx_logs = gunicorn.log(), nginx.logs()
    assert "Invalid request from ip=127.0.0.1: Invalid HTTP request line (request withheld)" \
        in gunicorn_log  # gunicorn still says what went wrong, without the request
    # a path is logged as the app gives it: that of a route's answer, "" when the app said nothing
    assert '"path": "/api/v1/names", "status": 200' in nginx_logs
    assert '"path": "", "status": 400' in nginx_logs
    assert '"path": "-", "status": 404' in nginx_logs and '"path": "-", "status": 404' in \
        gunicorn_log
    for form in _forms_of_the_name():
        assert form not in gunicorn_log, form
        assert form not in nginx_logs, form


def test_the_app_sees_the_client_address_nginx_appends(stack):
    """TRUSTED_PROXY_HOPS=1: the address nginx saw counts, not one the client claims, so the
    per-client rate limit cannot be escaped by forging X-Forwarded-For. (Last: it uses up the
    limit of 127.0.0.1.)"""
    _, nginx = stack
    import requests

    for i in range(RATE_LIMIT + 10):
        forged = {"X-Forwarded-For": f"10.9.{i // 250}.{i % 250}"}
        status = requests.get(f"{nginx.base}/api/v1/names", params={"q": "无此人"}, timeout=5,
                              headers=forged).status_code
        if status == 429:
            break
    assert status == 429
