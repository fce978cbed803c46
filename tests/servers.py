"""Real servers for tests and benchmarks: gunicorn as deployed (deploy/gunicorn.conf.py), nginx
with deploy/nginx.conf in front of it (its ports, paths and log files rewritten, so runs side by
side share nothing), and the slow clients an attacker would open against them."""

import getpass
import os
import re
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path

from tests.processes import BIN, ROOT, free_port, wait_until_ready

NGINX_CONF = ROOT / "deploy" / "nginx.conf"


class Gunicorn:
    """gunicorn -c deploy/gunicorn.conf.py on a free port; output in `directory`/gunicorn.log."""

    def __init__(self, directory: Path, database_url: str, **env: str):
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = directory / "gunicorn.log"
        inherited = {name: value for name, value in os.environ.items()
                     if name not in ("BIND", "GUNICORN_CONTROL_SOCKET")}
        self.env = {**inherited, "DATABASE_URL": database_url, "PORT": str(self.port),
                    "WEB_CONCURRENCY": "2", **env}
        with self.log_path.open("w") as log:
            self.process = subprocess.Popen(
                [BIN / "gunicorn", "-c", "deploy/gunicorn.conf.py", "service:create_app()"],
                cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)

    def wait_until_ready(self) -> None:
        wait_until_ready(f"{self.base}/readyz", self.process, seconds=60)

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> int:
        self.process.terminate()
        return self.process.wait(timeout=40)


def seed(database_url: str) -> None:
    """A migrated database holding the seed page (the 中国电子报 notice: 22 names)."""
    env = {**os.environ, "DATABASE_URL": database_url}
    for command in (["init-db"], ["seed"]):
        subprocess.run([BIN / "flask", "--app", "service", *command], cwd=ROOT, env=env,
                       check=True, capture_output=True)


def nginx_binary() -> str | None:
    return shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")


def render_nginx_conf(directory: Path, port: int, upstream_port: int) -> str:
    """deploy/nginx.conf listening on 127.0.0.1:`port`, proxying to 127.0.0.1:`upstream_port`,
    writing everything (pid, temporary files, logs) under `directory`."""
    text = NGINX_CONF.read_text(encoding="utf-8")
    replacements = [
        (r" /tmp/", f" {directory}/"),
        (r"listen 8080 default_server;", f"listen 127.0.0.1:{port} default_server;"),
        (r"server api:8000;", f"server 127.0.0.1:{upstream_port};"),
        (r"error_log stderr ", f"error_log {directory}/error.log "),
        (r"access_log /dev/stdout ", f"access_log {directory}/access.log "),
    ]
    for pattern, replacement in replacements:
        text, count = re.subn(pattern, replacement, text)
        assert count, f"deploy/nginx.conf has no {pattern!r} any more"
    # Started as root (as here), nginx's workers would run as nobody, who cannot enter pytest's
    # private temporary directories; started as anyone else, nginx ignores the line.
    return f"user {getpass.getuser()};\n" + text


class Nginx:
    """nginx with deploy/nginx.conf in front of 127.0.0.1:`upstream_port`, on a free port."""

    def __init__(self, directory: Path, upstream_port: int):
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        conf = directory / "nginx.conf"
        conf.write_text(render_nginx_conf(directory, self.port, upstream_port), encoding="utf-8")
        with (directory / "nginx.out").open("w") as out:
            # -e: the log for messages before the configuration is read (default /var/log/nginx).
            self.process = subprocess.Popen(
                [nginx_binary(), "-e", str(directory / "error.log"), "-c", str(conf),
                 "-g", "daemon off;"], stdout=out, stderr=subprocess.STDOUT)

    def wait_until_ready(self) -> None:
        wait_until_ready(f"{self.base}/readyz", self.process)

    def logs(self) -> str:
        """Everything nginx wrote: its access log, its error log and its own output."""
        return "".join((self.directory / name).read_text(encoding="utf-8", errors="replace")
                       for name in ("access.log", "error.log", "nginx.out")
                       if (self.directory / name).exists())

    def stop(self) -> int:
        self.process.terminate()  # SIGTERM: fast shutdown
        return self.process.wait(timeout=10)


SLOW_HEADER_START = b"GET /healthz HTTP/1.1\r\nHost: registry\r\n"
SLOW_BODY_START = (b"POST /api/v1/notices HTTP/1.1\r\nHost: registry\r\n"
                   b"Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n")


class SlowClients:
    """`headers` clients sending one header line, and `bodies` clients one byte of a 100 kB body,
    every `interval` seconds, never finishing; a client the server drops connects again."""

    def __init__(self, port: int, headers: int, bodies: int, interval: float = 3.0):
        self.port, self.interval = port, interval
        self.kinds = [SLOW_HEADER_START] * headers + [SLOW_BODY_START] * bodies
        self.sockets: list[socket.socket | None] = [None] * len(self.kinds)
        self.reconnects = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _connect(self, index: int) -> None:
        self.sockets[index] = None
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=5)
        sock.sendall(self.kinds[index])
        self.sockets[index] = sock

    def _drip(self, index: int) -> None:
        sock = self.sockets[index]
        if sock is None:
            self._connect(index)
            return
        try:
            sock.sendall(b"X-Slow: 1\r\n" if self.kinds[index] is SLOW_HEADER_START else b" ")
        except OSError:  # dropped by the server (a timeout): come back
            sock.close()
            self.reconnects += 1
            self._connect(index)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            for index in range(len(self.kinds)):
                try:
                    self._drip(index)
                except OSError:  # the server refuses new connections: try next round
                    pass

    def __enter__(self):
        for index in range(len(self.kinds)):
            self._connect(index)
        self._thread.start()
        return self

    def __exit__(self, *exc_info):
        self._stop.set()
        self._thread.join()
        for sock in self.sockets:
            if sock is not None:
                sock.close()


def timed_get(url: str, timeout: float = 10.0, **params) -> tuple[int, float]:
    """(status, seconds) of one GET on a fresh connection; status 0 when it timed out."""
    import requests

    started = time.monotonic()
    try:
        status = requests.get(url, params=params, timeout=timeout).status_code
    except requests.RequestException:
        status = 0
    return status, time.monotonic() - started
