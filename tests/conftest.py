"""Fixtures: a migrated database per test (SQLite, and PostgreSQL when TEST_POSTGRES_URL is set),
the app on a live HTTP server, and staff tokens."""

import os
import threading
import uuid
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

import psycopg2
import pytest
import requests
from werkzeug.serving import make_server

from service import create_app
from service.auth import issue_token
from service.db import database
from service.migrations import migrate
from service.models import TABLES

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL")
IN_CI = os.environ.get("CI") == "true"


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


@pytest.fixture(scope="session")
def postgres_url():
    """A database of its own for this test run, dropped at the end."""
    if not POSTGRES_URL:
        if IN_CI:
            pytest.fail("CI must set TEST_POSTGRES_URL")
        pytest.skip("TEST_POSTGRES_URL not set")
    name = f"registry_test_{uuid.uuid4().hex[:12]}"
    admin = psycopg2.connect(POSTGRES_URL)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    yield _with_database(POSTGRES_URL, name)
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'registry.db'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def app(database_url):
    """The app on a freshly migrated, empty database."""
    app = create_app({"DATABASE_URL": database_url, "TESTING": True})
    with database.connection_context():
        migrate()
        if not database_url.startswith("sqlite"):
            tables = ", ".join(f'"{model._meta.table_name}"' for model in TABLES)
            database.execute_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
    yield app
    database.close()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class LiveClient(requests.Session):
    """requests against the live server; paths are relative to it."""

    def __init__(self, base_url: str):
        super().__init__()
        self.base_url = base_url

    def request(self, method, url, *args, token=None, **kwargs):
        if token:
            kwargs.setdefault("headers", {})["Authorization"] = f"Bearer {token}"
        return super().request(method, self.base_url + url, *args, **kwargs)


@contextmanager
def serve(app):
    """Serve `app` over HTTP from a thread; yields a LiveClient for it."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    # A short poll interval: shutdown() waits up to one interval.
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    with LiveClient(f"http://127.0.0.1:{server.server_port}") as session:
        yield session
    server.shutdown()
    thread.join()


@pytest.fixture
def client(app):
    """Real HTTP to the app served by werkzeug in a thread."""
    with serve(app) as session:
        yield session


@pytest.fixture
def tokens(app):
    """A bearer token for each staff role."""
    with database.connection_context():
        return {role: issue_token(role, f"test {role}")[1]
                for role in ("editor", "publisher", "admin")}


@pytest.fixture
def db(app):
    """A connection for reading the database directly in a test."""
    with database.connection_context():
        yield database
