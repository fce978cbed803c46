"""Abuse limits on the public routes, per client address. A route opts in with a decorator
(`public_rate_limit`, `search_rate_limit`); staff requests are never counted.

The counts live where RATELIMIT_STORAGE_URI says: by default a SQLite file beside the database,
shared by every gunicorn worker of the instance; redis://… shares them between instances too.
When that storage fails, each process counts in its own memory until it answers again.

What the shared file costs, measured in process (bench/name_cpu.py, 1M names): 0.15–0.3 ms of a
first name check's 3–5 ms, the two upserts of the default limit's two windows. Counting in each
worker's memory would save most of it but give a client the limit once per worker, against the
README's promise; one statement for both windows measured slower than two."""

import functools
import ipaddress
import logging
import math
import os
import sqlite3
import threading
import time
from itertools import count
from pathlib import Path

import flask_smorest
from flask import Flask, abort, current_app, g, request
from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage, Storage, storage_from_string
from limits.strategies import FixedWindowRateLimiter
from playhouse.db_url import parse
from werkzeug.middleware.proxy_fix import ProxyFix

from service.infra import auth, metrics, routes

log = logging.getLogger(__name__)

# The settings that hold limits, in the notation "60/minute;1000/hour".
PUBLIC = "PUBLIC_RATE_LIMIT"  # every public request of a limited route
SEARCH = "SEARCH_RATE_LIMIT"  # the expensive ones: searches, on top of PUBLIC
STORAGE_FILE = "ratelimits.db"
# After a storage failure, count in memory this long before trying the storage again, so a dead
# Redis costs one failed attempt per process every few seconds, not one per request.
STORAGE_RETRY_SECONDS = 5
# A limit check must not hang a request on an unresponsive Redis.
REDIS_OPTIONS = {"socket_connect_timeout": 1, "socket_timeout": 1}
# Nor on a locked count file; but a connection's setup (WAL, the table) waits longer, once: every
# worker thread sets up at its first request, and switching to WAL takes the whole file.
SQLITE_BUSY_MS, SQLITE_SETUP_SECONDS = 1000, 10


# --- routes say their limits -------------------------------------------------------------------

def always() -> bool:
    return True


def is_search() -> bool:
    """Whether the request searches (a non-empty `q`): the expensive public reads."""
    return bool(request.args.get("q", "").strip())


# flask-smorest's doc decorator: the OpenAPI of exactly the limited operations lists the 429.
_documented_429 = flask_smorest.Blueprint.doc(responses={429: "TOO_MANY_REQUESTS"})


def _limited(view, *rules):
    view = _documented_429(view)
    return routes.mark(view, rate_limits=getattr(view, "rate_limits", ()) + rules)


def public_rate_limit(view):
    """Every request of the route counts against PUBLIC_RATE_LIMIT."""
    return _limited(view, (PUBLIC, always))


def search_rate_limit(view):
    """Every search through the route (a non-empty `q`) counts against PUBLIC_RATE_LIMIT and
    the lower SEARCH_RATE_LIMIT."""
    return _limited(view, (PUBLIC, is_search), (SEARCH, is_search))


def request_limits() -> list[str]:
    """The settings the current request counts against, each once."""
    rules = routes.setting("rate_limits", ())
    return list(dict.fromkeys(name for name, applies in rules if applies()))


# --- counting ----------------------------------------------------------------------------------

class SQLiteStorage(Storage):
    """Fixed-window counts in a SQLite file: one place for all the worker processes of a host,
    without a server to run. The `limits` storage interface, as FixedWindowRateLimiter uses it."""

    STORAGE_SCHEME = ["sqlite"]
    PURGE_EVERY = 1000  # increments between deletions of expired counts

    def __init__(self, uri: str, wrap_exceptions: bool = False, **options):
        self.path = parse(uri)["database"]
        self._local = threading.local()
        self._increments = count(1)
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)

    @property
    def base_exceptions(self):
        return sqlite3.Error, OSError  # OSError: its folder cannot be made

    def _connection(self) -> sqlite3.Connection:
        # One connection per thread, opened in the process that uses it (never across a fork).
        if getattr(self._local, "pid", None) != os.getpid():
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(self.path, timeout=SQLITE_SETUP_SECONDS,
                                         isolation_level=None)
            connection.execute("PRAGMA journal_mode=wal")
            connection.execute("PRAGMA synchronous=off")  # counts need not outlive a power cut
            connection.execute("CREATE TABLE IF NOT EXISTS counts (key TEXT PRIMARY KEY, "
                               "value INTEGER NOT NULL, expires_at REAL NOT NULL) WITHOUT ROWID")
            connection.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
            self._local.pid, self._local.connection = os.getpid(), connection
        return self._local.connection

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        connection = self._connection()
        [value] = connection.execute(
            "INSERT INTO counts VALUES (?1, ?2, ?3) ON CONFLICT (key) DO UPDATE SET "
            "value = iif(expires_at <= ?4, ?2, value + ?2), "
            "expires_at = iif(expires_at <= ?4, ?3, expires_at) RETURNING value",
            (key, amount, now + expiry, now)).fetchone()
        if next(self._increments) % self.PURGE_EVERY == 0:
            connection.execute("DELETE FROM counts WHERE expires_at <= ?", (now,))
        return value

    def _live(self, column: str, key: str):
        row = self._connection().execute(
            f"SELECT {column} FROM counts WHERE key = ? AND expires_at > ?",
            (key, time.time())).fetchone()
        return row[0] if row else None

    def get(self, key: str) -> int:
        return self._live("value", key) or 0

    def get_expiry(self, key: str) -> float:
        return self._live("expires_at", key) or time.time()

    def check(self) -> bool:
        try:
            self._connection().execute("SELECT 1 FROM counts LIMIT 1").fetchall()
            return True
        except self.base_exceptions:
            return False

    def reset(self) -> int:
        return self._connection().execute("DELETE FROM counts").rowcount

    def clear(self, key: str) -> None:
        self._connection().execute("DELETE FROM counts WHERE key = ?", (key,))


def storage_uri(config) -> str:
    """RATELIMIT_STORAGE_URI, or else a SQLite file beside the SQLite database (in var/ with
    PostgreSQL): shared by every worker of this instance."""
    if config["RATELIMIT_STORAGE_URI"]:
        return config["RATELIMIT_STORAGE_URI"]
    url = config["DATABASE_URL"]
    folder = Path(parse(url)["database"]).parent if url.startswith("sqlite") else Path("var")
    return f"sqlite:///{folder / STORAGE_FILE}"


class PublicLimiter:
    """One app's counts: its storage, and this process's memory while the storage fails."""

    def __init__(self, uri: str, key_prefix: str):
        options = REDIS_OPTIONS if uri.startswith(("redis", "rediss")) else {}
        self.storage = storage_from_string(uri, **options)
        self.counter = FixedWindowRateLimiter(self.storage)
        self.fallback = FixedWindowRateLimiter(MemoryStorage())
        self.key_prefix = key_prefix
        self.failed_at = -math.inf
        self.is_failing = False  # since the last failure, no storage operation has succeeded

    def is_degraded(self) -> bool:
        """Whether the counts are in this process's memory, the storage having failed lately."""
        return time.monotonic() - self.failed_at < STORAGE_RETRY_SECONDS

    def _failed(self, reason: str) -> None:
        metrics.RATE_LIMIT_STORAGE_FAILURES.inc()
        if not self.is_failing:
            log.warning("rate limit storage failed (%s); counting in this process's memory "
                        "until it answers again", reason)
        self.failed_at, self.is_failing = time.monotonic(), True

    def _succeeded(self) -> None:
        if self.is_failing:
            log.info("rate limit storage answers again")
            self.is_failing = False

    def _attempt(self, operation):
        """`operation(counter)` on the storage, or on this process's memory while it fails."""
        if not self.is_degraded():
            try:
                result = operation(self.counter)
            except self.storage.base_exceptions as error:
                self._failed(f"{type(error).__name__}: {error}")
            else:
                self._succeeded()
                return result
        return operation(self.fallback)

    def hit(self, item: RateLimitItem, *keys: str) -> bool:
        """Count one request; False when it is over the limit."""
        return self._attempt(lambda counter: counter.hit(item, self.key_prefix, *keys))

    def seconds_to_reset(self, item: RateLimitItem, *keys: str) -> int:
        reset_at = self._attempt(
            lambda counter: counter.get_window_stats(item, self.key_prefix, *keys).reset_time)
        return max(1, math.ceil(reset_at - time.time()))

    def storage_state(self) -> str:
        """"ok", or "degraded" while the storage fails (requests are then counted per process)."""
        if self.is_degraded():
            return "degraded"
        if self.storage.check():
            self._succeeded()
            return "ok"
        self._failed("its health check failed")
        return "degraded"


@functools.cache
def _items(text: str) -> list[RateLimitItem]:
    return parse_many(text)


def init_app(app: Flask) -> None:
    """Count the public requests of the routes that say so. Its hook reads the caller's token:
    register it after db.init_app's."""
    hops = app.config["TRUSTED_PROXY_HOPS"]
    if hops:
        # Behind a reverse proxy the client is in X-Forwarded-For, set by the last `hops` proxies.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    for name in (PUBLIC, SEARCH):
        _items(app.config[name])  # a malformed limit fails at start, not on the first request
    limiter = PublicLimiter(storage_uri(app.config), app.config["RATELIMIT_KEY_PREFIX"])
    app.extensions["public_limiter"] = limiter

    @app.before_request
    def _count_public_request():
        names = request_limits()
        if not names or auth.is_staff():
            return
        client = client_key(request.remote_addr)
        for name in names:
            for item in _items(app.config[name]):
                if not limiter.hit(item, name, client):
                    g.retry_after = limiter.seconds_to_reset(item, name, client)
                    abort(429, f"Too many requests: at most {item} from one client.")


def client_key(address: str | None) -> str:
    """Whom a request counts against: its IPv4 address, or the /64 network of its IPv6 one. One
    subscriber's link is given a whole /64, and picking another address in it is free: counted
    per address, one client would get 2^64 limits."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return address or "unknown"
    if ip.version == 4:
        return str(ip)
    if ip.ipv4_mapped:
        return str(ip.ipv4_mapped)
    return str(ipaddress.IPv6Network((int(ip) >> 64 << 64, 64)))


def storage_state() -> str:
    return current_app.extensions["public_limiter"].storage_state()


def retry_after() -> str:
    """Retry-After for a 429: seconds until the breached limit's window resets."""
    return str(g.get("retry_after", 60))
