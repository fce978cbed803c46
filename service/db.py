"""The database handle: one proxy, from DATABASE_URL, a pooled connection per request."""

import io
from pathlib import Path

from flask import Flask
from peewee import DatabaseProxy, SqliteDatabase
from playhouse.db_url import connect, parse
from playhouse.pool import PooledDatabase, PooledSqliteDatabase

from . import routes

database = DatabaseProxy()

SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "synchronous": "normal",
    # Checkpoint every 64 MB of WAL instead of 4 MB: a roster load rewrites the same index pages
    # over and over, and each checkpoint copied them all again (1M names: 25% faster, measured).
    "wal_autocheckpoint": 16_000,
    # Read through a shared memory map instead of a read() per page (≈ 10% faster, measured).
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
    # postgres+pool:// is playhouse's pooled PostgresqlDatabase; it checks a connection is alive
    # before handing it out, so a restarted server costs one failed request, not a dead pool.
    scheme, rest = url.split("://", 1)
    return connect(f"{scheme.split('+')[0]}+pool://{rest}", autoconnect=False, **POOL)


def is_sqlite() -> bool:
    return isinstance(database.obj, SqliteDatabase)


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
    """The one row of `query`, read inside the current transaction and held until it ends:
    SELECT … FOR NO KEY UPDATE on PostgreSQL (it still lets other transactions insert rows that
    refer to it, such as links, so a notice and an article locked at once cannot deadlock);
    SQLite's IMMEDIATE transaction already holds the write lock. None when there is no such row.
    A state change decides on this row, never on one read before the transaction."""
    return (query if is_sqlite() else query.for_update("FOR NO KEY UPDATE")).first()
