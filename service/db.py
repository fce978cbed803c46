"""The database handle: one proxy, initialised from DATABASE_URL, opened per request."""

from pathlib import Path

from flask import Flask, request
from peewee import DatabaseProxy, SqliteDatabase
from playhouse.db_url import connect, parse

database = DatabaseProxy()

SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "synchronous": "normal",
}


def open_database(url: str):
    """A peewee database for `url`, not yet connected."""
    if url.startswith("sqlite"):
        path = parse(url)["database"]
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # IMMEDIATE: a deferred transaction that reads then writes fails with SQLITE_BUSY_SNAPSHOT
        # under concurrent writers, whatever the busy timeout.
        # RETURNING (SQLite ≥ 3.35) lets a guarded UPDATE say which rows it changed.
        return SqliteDatabase(path, pragmas=SQLITE_PRAGMAS, timeout=15, lock_type="IMMEDIATE",
                              returning_clause=True, autoconnect=False)
    return connect(url, autoconnect=False)


def is_sqlite() -> bool:
    return isinstance(database.obj, SqliteDatabase)


# Routes that must answer without the database (liveness, metrics).
ENDPOINTS_WITHOUT_DATABASE = {"health.healthz", "health.metrics_view", "static"}


def init_app(app: Flask) -> None:
    """Point the proxy at the app's database and tie connections to requests."""
    database.initialize(open_database(app.config["DATABASE_URL"]))

    @app.before_request
    def _connect():
        if request.endpoint not in ENDPOINTS_WITHOUT_DATABASE:
            database.connect(reuse_if_open=True)

    @app.teardown_request
    def _close(_exc):
        if not database.is_closed():
            database.close()

