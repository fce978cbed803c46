"""Fixtures: a migrated database per test (SQLite, and PostgreSQL when TEST_POSTGRES_URL is set),
the app on a live HTTP server, and staff tokens."""

import os
import signal
import subprocess
import threading
import uuid
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

import psycopg2
import pytest
import requests
from werkzeug.serving import make_server

from service import create_app
from service.domain.models import TABLES
from service.domain.organizations import ensure_organization
from service.infra.auth import issue_token
from service.infra.db import database
from service.migrations import migrate
from tests.processes import BIN, IN_CI, ROOT, free_port, wait_until_ready

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL")


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


@pytest.fixture(params=["sqlite", "postgres"])
def empty_database_url(request, tmp_path):
    """A database of this test's own with no tables at all (the shared one is migrated)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    url = request.getfixturevalue("postgres_url")
    name = f"{url.rsplit('/', 1)[1]}_{uuid.uuid4().hex[:8]}"
    admin = psycopg2.connect(url)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    yield _with_database(url, name)
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


@pytest.fixture
def app(database_url):
    """The app on a freshly migrated, empty database."""
    # Tests call public routes far faster than a person; test_hardening checks the real limits.
    app = create_app({"DATABASE_URL": database_url, "TESTING": True,
                      "PUBLIC_RATE_LIMIT": "100000/minute", "SEARCH_RATE_LIMIT": "100000/minute"})
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


SEED_ORGANIZATION = "中国电子报"  # the seed's: the staff tokens' own


def staff_tokens() -> dict[str, str]:
    """A bearer token for each staff role (call inside a connection); the editor's and the
    publisher's act for the seed's organisation (id 1 in a fresh database), the admin's for
    every one."""
    organization = ensure_organization(SEED_ORGANIZATION, "test")
    return {role: issue_token(role, f"test {role}", None,
                              () if role == "admin" else (organization.id,))[1]
            for role in ("editor", "publisher", "admin")}


@pytest.fixture
def tokens(app):
    """A bearer token for each staff role (staff_tokens)."""
    with database.connection_context():
        return staff_tokens()


@pytest.fixture
def db(app):
    """A connection for reading the database directly in a test."""
    with database.connection_context():
        yield database


@pytest.fixture
def empty_db(empty_database_url):
    """A connection to a database with no tables yet."""
    create_app({"DATABASE_URL": empty_database_url, "TESTING": True})
    with database.connection_context():
        yield database
    database.close_all()


@pytest.fixture
def gunicorn(tmp_path):
    """Start the real gunicorn on a database URL; returns (base_url, process, log_path)."""
    started = []

    def start(database_url: str, **env):
        port = free_port()
        log_path = tmp_path / f"gunicorn-{port}.log"
        full_env = {**os.environ, "DATABASE_URL": database_url, "PORT": str(port),
                    "WEB_CONCURRENCY": "2", **env}
        subprocess.run([BIN / "flask", "--app", "service", "init-db"], cwd=ROOT, env=full_env,
                       check=True, capture_output=True)
        with log_path.open("w") as log:
            process = subprocess.Popen(
                [BIN / "gunicorn", "-c", "deploy/gunicorn.conf.py", "service:create_app()"],
                cwd=ROOT, env=full_env, stdout=log, stderr=subprocess.STDOUT)
        started.append(process)
        base = f"http://127.0.0.1:{port}"
        wait_until_ready(f"{base}/healthz", process)
        return base, process, log_path

    yield start
    for process in started:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)


@pytest.fixture
def server(app, database_url, gunicorn):
    """The real gunicorn on the test's (migrated, empty) database; its base URL."""
    base, _, _ = gunicorn(database_url)
    return base

@pytest.fixture
def own_postgres(postgres_url):
    """A PostgreSQL database for one gunicorn, and a way to cut it off and bring it back."""
    name = postgres_url.rsplit("/", 1)[1] + "_ops"
    admin = psycopg2.connect(postgres_url)
    admin.autocommit = True

    def allow(allowed: bool):
        with admin.cursor() as cursor:
            cursor.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS {str(allowed).lower()}')
            if not allowed:
                cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                               "WHERE datname = %s", (name,))

    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    yield postgres_url.rsplit("/", 1)[0] + f"/{name}", allow
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()
