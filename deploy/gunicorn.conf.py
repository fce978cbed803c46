"""gunicorn settings, all from the environment (deploy/env.example documents each one).

Access log: one JSON object per request on stdout. It records the path without the query string,
and no referer: names checked by the public (`/api/v1/names?q=...`) must never reach a log. The
error log drops what gunicorn quotes of a request it could not parse (its request line).

gunicorn reads each request on a worker thread, so slow clients can hold them all: in production
it runs behind nginx (deploy/nginx.conf), which hands it only whole requests."""

import gc
import json
import os
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from gunicorn.glogging import Logger, SafeAtoms

from service.infra.logs import RequestDataFilter


def _env(name: str, default: str) -> str:
    """The variable's value; unset or empty means the default."""
    return os.environ.get(name) or default


def _env_int(name: str, default: int) -> int:
    return int(_env(name, str(default)))


bind = _env("BIND", f"127.0.0.1:{_env('PORT', '8000')}")
workers = _env_int("WEB_CONCURRENCY", 2)
threads = _env_int("GUNICORN_THREADS", 4)  # more than 1 selects the gthread worker
timeout = _env_int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _env_int("GUNICORN_GRACEFUL_TIMEOUT", 30)  # SIGTERM: in-flight requests finish
keepalive = _env_int("GUNICORN_KEEPALIVE", 5)
# Each worker listens on a socket of its own (SO_REUSEPORT) and the kernel spreads new connections
# over them. On one shared socket, keep-alive connections often all landed on one worker while the
# other idled (docs/benchmarks.md, "Slow clients"). The price: a second gunicorn started on the same
# port by the same user shares it instead of failing with "address in use".
reuse_port = True
# The longest valid request (every filter at its maximum length, in Chinese) is about 5.7 KB.
limit_request_line = 8190
loglevel = _env("LOG_LEVEL", "info").lower()
errorlog = "-"  # stderr
accesslog = "-"  # stdout
# Worker heartbeat files on tmpfs: a read-only or slow root filesystem must not stall workers.
worker_tmp_dir = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None
# gunicornc's control socket: none unless a path is given. gunicorn's default is one path per
# user ($HOME/.gunicorn/gunicorn.ctl), shared by every gunicorn on the host: a second instance
# takes it over and the first one's shutdown deletes it. Give each instance a path of its own.
_control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET", "")
if _control_socket:
    control_socket = _control_socket
else:
    control_socket_disable = True

# The path is what the app says may be logged (service/infra/logs.py, X-Logged-Path): "-" for a
# path no route took. Never add %(U)s (the path as sent), %(q)s, %(r)s (request line), %(f)s
# (referer) or {raw_uri}/{query_string} here: they carry the names people check.
access_log_format = (
    '{"remote": "%(h)s", "time": "%(iso_time)s", "method": "%(m)s", '
    '"path": "%({x-logged-path}o)s", '
    '"status": %(s)s, "bytes": %(B)s, "duration_ms": %(M)s, '
    '"request_id": "%({x-request-id}o)s", "user_agent": "%(a)s"}'
)


class JsonAtoms(SafeAtoms):
    """Access-log atoms JSON-escaped (gunicorn's own SafeAtoms escapes only double quotes), so
    every access line parses as JSON whatever a client puts in its path or headers."""

    def __init__(self, atoms):
        dict.__init__(self)
        for key, value in atoms.items():
            self[key] = json.dumps(value)[1:-1] if isinstance(value, str) else value


class JsonAccessLogger(Logger):
    """JSON access lines; error lines without the requests gunicorn quotes in them."""

    atoms_wrapper_class = JsonAtoms

    def __init__(self, cfg):
        super().__init__(cfg)
        if not any(isinstance(f, RequestDataFilter) for f in self.error_log.filters):
            self.error_log.addFilter(RequestDataFilter())

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        atoms["B"] = atoms.get("B") or 0  # None when nothing was sent
        atoms["iso_time"] = datetime.now(UTC).isoformat(timespec="milliseconds")
        return atoms


logger_class = JsonAccessLogger


def on_starting(server):
    # prometheus_client multiprocess mode, so /metrics adds up every worker's samples (see
    # service/infra/metrics.py): each worker writes its samples under PROMETHEUS_MULTIPROC_DIR.
    # Set here, in the master before any worker imports the app; a directory of our own unless one
    # is given, and that one cleared of samples (*.db), since a previous run's would be added to
    # this run's.
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        Path(directory).mkdir(parents=True, exist_ok=True)
        for stale in Path(directory).glob("*.db"):
            stale.unlink(missing_ok=True)
    else:
        directory = tempfile.mkdtemp(prefix="registry-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = _OWN_METRICS_DIR[0] = directory
    _share_modules()


def _share_modules():
    """Import the app's modules once, here in the master, so that the workers forked from it
    share those pages instead of each loading its own copy: above all the name folding's
    dictionaries (pypinyin's, OpenCC's: about 60 MB), then Flask, peewee, marshmallow… Measured
    with bench/load.py: 102 MB of private memory per worker before, 31 MB after (RSS, which
    counts shared pages, stays the same). gc.freeze() keeps the collector from writing to these
    objects' headers, which would copy their pages into each worker anyway. The app itself, with
    its database pool and its metrics (which must start after PROMETHEUS_MULTIPROC_DIR is set,
    above), is still built in each worker: not preload_app."""
    import service.api  # noqa: F401
    import service.cli  # noqa: F401
    import service.web.views  # noqa: F401

    gc.collect()
    gc.freeze()


_OWN_METRICS_DIR = [""]  # set by on_starting when it made the directory


def on_exit(server):
    if _OWN_METRICS_DIR[0]:
        shutil.rmtree(_OWN_METRICS_DIR[0], ignore_errors=True)


def post_fork(server, worker):
    # A connection inherited across fork must not be shared by two processes.
    from service.infra.db import database

    if database.obj is not None:
        database.obj.close()


def child_exit(server, worker):
    # A dead worker's live gauges must not be reported any more (multiprocess mode only).
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
