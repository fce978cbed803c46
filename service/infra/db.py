"""The database handle: one proxy, from DATABASE_URL, a pooled connection per request."""

import io
import itertools
import logging
import re
import weakref
from collections.abc import Hashable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import peewee
from flask import Flask
from peewee import DatabaseProxy, InterfaceError, OperationalError, SqliteDatabase
from playhouse.db_url import parse
from playhouse.pool import PooledDatabase, PooledPostgresqlDatabase, PooledSqliteDatabase

from service.infra import routes
from service.infra.metrics import DB_ERRORS

log = logging.getLogger(__name__)

# What a database that is down or unreachable raises: answered 503, with this Retry-After.
OUTAGES = (OperationalError, InterfaceError)
RETRY_AFTER = "5"

database = DatabaseProxy()

SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "synchronous": "normal",
    # Checkpoint every 64 MB of WAL instead of 4 MB: a roster load rewrites the same index pages
    # over and over, and each checkpoint copied them all again (1M names: 25% faster, measured).
    "wal_autocheckpoint": 16_000,
    # Read through a shared memory map instead of a read() per page. Measured at 1M names / 100k
    # articles, one client, interleaved: first name checks 194 → 243 req/s, article p95 63 → 42-58
    # ms. Each worker's RSS then counts the mapped pages of the file (page cache, shared, not the
    # worker's own memory: see docs/benchmarks.md "Memory per worker").
    "mmap_size": 256 * 1024 * 1024,
}
# Per process; a gunicorn worker uses one connection per thread at a time. Opening a connection
# (a PostgreSQL backend, or a SQLite file and its pragmas) cost more than a name check's queries.
POOL = {"max_connections": 32, "stale_timeout": 300}


def open_database(url: str):
    """A peewee database for `url`, not yet connected."""
    if url.startswith("sqlite"):
        path = parse(url)["database"]
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # IMMEDIATE: a deferred transaction that reads then writes fails with SQLITE_BUSY_SNAPSHOT
        # under concurrent writers, whatever the busy timeout.
        # RETURNING (SQLite ≥ 3.35) lets a guarded UPDATE say which rows it changed.
        # check_same_thread=False: a pooled connection is handed to whichever thread asks next
        # (still one thread at a time).
        return PooledSqliteDatabase(path, pragmas=SQLITE_PRAGMAS, timeout=15, lock_type="IMMEDIATE",
                                    returning_clause=True, autoconnect=False,
                                    check_same_thread=False, **POOL)
    return PooledPostgres(**parse(url), autoconnect=False, **POOL)


class PooledPostgres(PooledPostgresqlDatabase):
    """playhouse's pool without its liveness `SELECT 1` on every checkout (a round trip per
    request): a pooled connection the server has closed meanwhile (a restart, an idle timeout)
    fails its first statement, which is then sent once more on a new connection, so the first
    request after an outage still succeeds."""

    def _is_closed(self, conn) -> bool:
        # What psycopg2 knows without asking the server; check-in already rolled back any
        # transaction left open.
        return bool(conn.closed) or (
            self._adapter.txn_status(conn) == self._adapter.txn_unknown)

    def _connect(self):
        conn = super()._connect()
        self._state.unproven = True  # until a statement on it succeeds
        return conn

    def _execute_cursor(self, sql, params, **cursor_options):
        try:
            cursor = super()._execute_cursor(sql, params, **cursor_options)
        except (OperationalError, InterfaceError):
            if not self._replaced_dead_connection():
                raise
            cursor = super()._execute_cursor(sql, params, **cursor_options)
        self._state.unproven = False
        return cursor

    def begin(self, isolation_level=None):
        try:
            super().begin(isolation_level)
        except (OperationalError, InterfaceError):
            if not self._replaced_dead_connection():
                raise
            super().begin(isolation_level)
        self._state.unproven = False

    def _replaced_dead_connection(self) -> bool:
        """After a failed statement: if it was the first on its connection and the server had
        closed that connection, nothing ran, so switch to a new one (and drop the idle ones, which
        the same restart closed too) for one more try."""
        conn = self._state.conn
        if not getattr(self._state, "unproven", False) or not conn.closed:
            return False
        self._close(conn, close_conn=True)
        self.close_idle()
        with peewee.__exception_wrapper__:  # a server still down: OperationalError, as usual
            fresh = super()._connect()
        self._state.conn = fresh  # the same request, transaction stack and all
        self._initialize_connection(fresh)
        self._state.unproven = False
        return True


class Prepared:
    """A peewee query turned into SQL once per database kind and shape, then run with new values:
    for a query asked on every request whose building costs more than running it (the name
    check's status CASE took ≈ 3 ms to build, measured, and well under 1 ms to run).

    `build(shape, **values)` returns the query; `shape` names what changes its SQL beyond the
    values (which condition, how many keys an IN holds). Values are text, whole numbers or
    aware datetimes (stored as naive UTC, as UTCDateTimeField does); each is found in the
    compiled parameters through a unique stand-in of its type, so the SQL is peewee's own.

    On PostgreSQL the statement is also planned once per connection (a server-side prepared
    statement): planning the name check's statement cost 3–4× its execution, measured. SQLite's
    driver already keeps its compiled statements."""

    def __init__(self, build):
        self._build = build
        self._compiled: dict = {}

    def rows(self, shape: Hashable, **values) -> list[tuple]:
        key = (is_sqlite(), shape, tuple(sorted(values)))
        compiled = self._compiled.get(key)
        if compiled is None:
            compiled = self._compiled[key] = self._compile(shape, values)
        sql, slots, prepare = compiled
        params = [_db_value(values[slot]) if name else slot for name, slot in slots]
        if prepare is None:
            return database.execute_sql(sql, params).fetchall()
        connection = database.connection()
        if prepare[0] not in _PREPARED.get(connection, ()):
            self._prepare(*prepare)
        try:
            return database.execute_sql(sql, params).fetchall()
        except peewee.DatabaseError:
            if database.connection() is connection:
                raise
            # The connection was dead and has been replaced: the new one has not prepared it.
            self._prepare(*prepare)
            return database.execute_sql(sql, params).fetchall()

    def first(self, model, shape: Hashable, **values):
        """The first row as an instance of `model`, as peewee reads one, or None: for a query
        that selects the model's own columns (`model.select()`)."""
        rows = self.rows(shape, **values)
        if not rows:
            return None
        columns = zip(model._meta.sorted_fields, rows[0], strict=True)
        instance = model(__no_default__=1,
                         **{field.name: field.python_value(value) for field, value in columns})
        instance._dirty.clear()
        return instance

    @staticmethod
    def _prepare(name: str, statement: str) -> None:
        database.execute_sql(statement)  # a dead connection is replaced here too
        _PREPARED.setdefault(database.connection(), set()).add(name)

    def _compile(self, shape: Hashable, values: dict):
        stand_ins = {name: _stand_in(value, number) for number, (name, value)
                     in enumerate(sorted(values.items()))}
        by_db_value = {_db_value(stand_in): name for name, stand_in in stand_ins.items()}
        sql, params = self._build(shape, **stand_ins).sql()
        slots = [(True, by_db_value[param]) if _hashable(param) and param in by_db_value
                 else (False, param) for param in params]
        if {slot for named, slot in slots if named} != set(values):
            raise ValueError("a value is not a parameter of the query")
        if is_sqlite():
            return sql, slots, None
        name = f"prepared_{next(_statement_numbers)}"
        numbers = itertools.count(1)
        body = re.sub("%s", lambda _: f"${next(numbers)}", sql)
        types = ", ".join(_POSTGRES_TYPES[type(_db_value(param))] for param in params)
        return (f"EXECUTE {name} ({', '.join(['%s'] * len(params))})", slots,
                (name, f"PREPARE {name} ({types}) AS {body}"))


# The server-side prepared statements each PostgreSQL connection holds, by name (they last as
# long as the connection, whatever its transactions do).
_PREPARED: "weakref.WeakKeyDictionary[Any, set[str]]" = weakref.WeakKeyDictionary()
_statement_numbers = itertools.count(1)
_POSTGRES_TYPES = {str: "text", int: "bigint", bool: "boolean", datetime: "timestamp"}


def _stand_in(value, number: int):
    if isinstance(value, str):
        return f"\x00stand-in {number}\x00"
    if isinstance(value, datetime):
        return datetime(1901, 2, 3, tzinfo=UTC) + timedelta(microseconds=number + 1)
    if isinstance(value, int):
        return -(10**17) - number
    raise TypeError(f"no stand-in for {type(value).__name__}")


def _db_value(value):
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


def _hashable(value) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def count_outage(error: Exception) -> None:
    """Log and count a request refused because the database failed (API and pages alike)."""
    log.warning("database unavailable: %s: %s", type(error).__name__, error)
    DB_ERRORS.labels(type(error).__name__).inc()


def is_sqlite() -> bool:
    return isinstance(database.obj, SqliteDatabase)


def placeholders(count: int) -> str:
    """The parameters of a hand-written `IN (…)` of `count` values."""
    return ", ".join([database.param] * count)


def insert_rows(table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """Insert many rows through the driver's bulk path: sqlite3's executemany, PostgreSQL's COPY
    (5× faster than multi-row INSERTs, measured). For roster loads, where peewee's statement
    builder cost more than the inserts themselves."""
    names = ", ".join(columns)
    cursor = database.cursor()
    if is_sqlite():
        placeholders = ", ".join("?" * len(columns))
        cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({placeholders})", rows)
    else:
        text = "".join("\t".join(map(_copy_text, row)) + "\n" for row in rows)
        cursor.copy_expert(f"COPY {table} ({names}) FROM STDIN", io.StringIO(text))


def reserve_ids(table: str, count: int) -> list[int]:
    """The ids, in order, that the next `count` rows of `table` take by its own numbering, so a
    bulk insert can give them and need not read them back. Call inside the write transaction:
    on SQLite it holds the write lock, so no other row can take them meanwhile."""
    if count == 0:
        return []
    if is_sqlite():
        # What SQLite gives a row itself (an INTEGER PRIMARY KEY without AUTOINCREMENT): one
        # more than the largest id.
        largest = database.execute_sql(f"SELECT max(id) FROM {table}").fetchone()[0] or 0
        return list(range(largest + 1, largest + 1 + count))
    # The sequence looked up once per statement, not once per id (OFFSET 0 keeps the planner
    # from pulling the lookup into every row): 2/3 of the statement's server time, measured.
    rows = database.execute_sql(
        "SELECT nextval(sequence) FROM (SELECT pg_get_serial_sequence(%s, 'id')::regclass"
        " AS sequence OFFSET 0) AS owner, generate_series(1, %s)", (table, count)).fetchall()
    return sorted(row[0] for row in rows)


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value) -> str:
    """A value in COPY's text format."""
    return "\\N" if value is None else str(value).translate(_COPY_ESCAPES)


def no_database(view):
    """The route answers without the database (liveness, metrics, static files): no connection
    is opened for it, so it still answers when the database is down."""
    return routes.mark(view, needs_database=False)


def init_app(app: Flask) -> None:
    """Point the proxy at the app's database and tie connections to requests."""
    close_pool()
    database.initialize(open_database(app.config["DATABASE_URL"]))

    @app.before_request
    def _connect():
        if routes.setting("needs_database", True):
            database.connect(reuse_if_open=True)

    @app.teardown_request
    def _close(_exc):
        if not database.is_closed():
            database.close()


def close_pool() -> None:
    """Close every pooled connection of the current database (before it is replaced)."""
    if isinstance(database.obj, PooledDatabase):
        database.obj.close_all()


def locked(query):
    """The one row of `query`, read inside the current transaction and held until it ends (see
    locking). None when there is no such row. A state change decides on this row, never on one
    read before the transaction."""
    return locking(query).first()


def locking(query):
    """`query` holding its rows until the transaction ends: SELECT … FOR NO KEY UPDATE on
    PostgreSQL (it still lets other transactions insert rows that refer to it, such as links, so
    a notice and an article locked at once cannot deadlock); SQLite's IMMEDIATE transaction
    already holds the write lock."""
    return query if is_sqlite() else query.for_update("FOR NO KEY UPDATE")
